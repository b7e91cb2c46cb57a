package io.tracepoint4j.cli;

import io.tracepoint4j.Tracepoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A target for NotesTest: defines {@code notes:ready(n)}, prints "ready", then on each line of its
 * stdin, {@code other SUFFIX} defines {@code notes:other_SUFFIX(m)} (no argument n) and fires it,
 * {@code hooked SUFFIX} defines {@code notes:hooked_SUFFIX(n)} whose onFirstProbe hook refuses
 * every probe ("not now"), and fires it; answers "done" to each. Exits when stdin closes.
 */
public final class NotesTarget {
    /** The prototype. */
    public interface Tick {
        void tick(long value);
    }

    private NotesTarget() {}

    public static void main(String[] args) throws Exception {
        Tracepoint.define("notes:ready", Tick.class, "n").fire().tick(1);
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] words = line.split(" ");
            Tracepoint<Tick> defined = words[0].equals("other")
                    ? Tracepoint.define("notes:other_" + words[1], Tick.class, "m")
                    : Tracepoint.builder("notes:hooked_" + words[1], Tick.class)
                            .arguments("n")
                            .onFirstProbe(new Runnable() {
                                @Override
                                public void run() {
                                    throw new IllegalStateException("not now");
                                }
                            })
                            .define();
            defined.fire().tick(7);
            System.out.println("done");
        }
    }
}
