package io.tracepoint4j.ctf;

/**
 * One field of a fixed binary layout drawn by a {@code *Descriptor} class (docs/STYLE.md rule 7): its
 * name, its TSDL type, its byte offset and size. The metadata declares a descriptor's slots in order,
 * each as {@link #declaration()}; DescriptorMetadataTest parses the declarations back and checks
 * that their sizes add up to the offsets.
 */
final class Slot {
    final String name;
    /** The TSDL type of the field, or of each element when {@link #count} is above 1. */
    final String type;

    final int offset;
    /** The size in bytes (of all elements together). */
    final int size;
    /** 1 for a single value, the element count for a fixed-length array. */
    final int count;

    Slot(String name, String type, int offset, int size, int count) {
        this.name = name;
        this.type = type;
        this.offset = offset;
        this.size = size;
        this.count = count;
    }

    Slot(String name, String type, int offset, int size) {
        this(name, type, offset, size, 1);
    }

    /** The offset of the byte after this field. */
    int end() {
        return offset + size;
    }

    /** The TSDL declaration, e.g. {@code uint8_t uuid[16];}. */
    String declaration() {
        return count == 1 ? type + " " + name + ";" : type + " " + name + "[" + count + "];";
    }

    @Override
    public String toString() {
        return declaration() + " @" + offset + "+" + size;
    }
}
