import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The CI check for docs/STYLE.md rules 2 and 3: every memory-ordering point in main code carries a
 * {@code // [X] ...} label naming its partner: on the same line, in the comment lines directly above,
 * or on another line of the same statement (formatters move trailing comments). Run through {@code .ci/check-ordering}; single-file program, JDK only.
 *
 * <p>Ordering points:
 * <ul>
 *   <li>fences: {@code VarHandle.fullFence()} and friends; calls of methods named {@code ...Fence} or
 *       {@code ...Barrier} (e.g. {@code lightBarrier()});
 *   <li>raw ordered accesses: {@code .getAcquire(}, {@code .setRelease(}, {@code .getOpaque(},
 *       {@code .setOpaque(}, {@code .getVolatile(}, {@code .setVolatile(}, {@code .compareAndSet(},
 *       {@code .weakCompareAndSet...(}, {@code .compareAndExchange...(}, {@code .getAndAdd(},
 *       {@code .getAndSet(}, {@code .getAndBitwise...(}, {@code .lazySet(} on any receiver;
 *   <li>calls of mode-named accessors: a camel-case part {@code Acquire}, {@code Release},
 *       {@code Opaque} or {@code Volatile} ({@code headAcquire()}, {@code setHeadRelease(v)}), a
 *       {@code cas} prefix ({@code casHead(e, v)}), {@code getAnd...}, {@code ...AndGet},
 *       {@code compareAnd...};
 *   <li>{@code volatile} field declarations and writes to those fields in the same file.
 * </ul>
 *
 * <p>The one exemption: a raw access needs no label when it is the single statement of an accessor
 * method whose name carries the mode of that access (e.g. {@code long countAcquire(int i) { return
 * (long) COUNTS.getAcquire(counts, i); }}, on one line or formatted over three). Callers of the
 * accessor carry the label instead.
 */
public final class CheckOrdering {

    static final Pattern LABEL = Pattern.compile("\\[[A-Z][A-Za-z0-9_'-]{0,11}]");

    static final Pattern FENCE = Pattern.compile(
            "\\bVarHandle\\s*\\.\\s*(fullFence|acquireFence|releaseFence|loadLoadFence|storeStoreFence)\\s*\\(");

    static final Pattern RAW_ACCESS = Pattern.compile("\\.\\s*(getAcquire|setRelease|getOpaque|setOpaque|getVolatile"
            + "|setVolatile|compareAndSet|weakCompareAndSet\\w*|compareAndExchange\\w*|getAndAdd\\w*|getAndSet\\w*"
            + "|getAndBitwise\\w*|lazySet)\\s*\\(");

    static final Pattern CALL = Pattern.compile("(?<![\\w$])([a-zA-Z_$][\\w$]*)\\s*\\(");

    static final Pattern MODE_PART = Pattern.compile("(?<=[a-z0-9])(Acquire|Release|Opaque|Volatile|Cas)(?![a-z])");

    static final Pattern VOLATILE_DECL = Pattern.compile("\\bvolatile\\b");

    static final Pattern VOLATILE_NAMES = Pattern.compile(
            "\\bvolatile\\s+(?:final\\s+|static\\s+|transient\\s+)*[\\w$.]+(?:\\s*<[^;=]*>)?(?:\\s*\\[\\s*])*\\s+"
                    + "([a-zA-Z_$][\\w$]*)");

    /** A method header followed by a body of exactly one statement: an accessor candidate. */
    static final Pattern SINGLE_STATEMENT_METHOD = Pattern.compile("(?<![\\w$])([a-zA-Z_$][\\w$]*)\\s*\\([^(){};]*\\)"
            + "\\s*(?:throws\\s+[\\w$., ]+)?\\s*\\{\\s*([^;{}]*;)\\s*}");

    static final Set<String> KEYWORDS = Set.of(
            "if", "for", "while", "switch", "catch", "synchronized", "return", "new", "throw", "super", "this",
            "assert", "try", "do", "else", "case", "yield");

    record Violation(Path file, int line, String what, String rule, String source) {}

    /** One file with comments and literals separated from code, line by line. */
    record Source(Path file, List<String> raw, List<String> code, List<String> comment, String codeText, int[] lineStarts) {

        int lineOf(int offset) {
            int lo = 0;
            int hi = lineStarts.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (lineStarts[mid] <= offset) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length >= 1 && args[0].equals("--self-test")) {
            if (args.length != 2) {
                usage();
            }
            System.exit(selfTest(Path.of(args[1])) ? 0 : 1);
        }
        if (args.length == 0 || args[0].startsWith("-")) {
            usage();
        }
        List<Violation> all = new ArrayList<>();
        int files = 0;
        int points = 0;
        for (String arg : args) {
            Path root = Path.of(arg);
            if (!Files.exists(root)) {
                System.err.println("check-ordering: " + root + " does not exist");
                System.exit(2);
            }
            for (Path file : javaFiles(root)) {
                files++;
                Result r = check(file);
                points += r.points();
                all.addAll(r.violations());
            }
        }
        if (all.isEmpty()) {
            System.out.println("check-ordering: OK, " + points + " memory-ordering points in " + files
                    + " files under " + String.join(" ", args) + ", every one labelled");
            return;
        }
        System.out.println("check-ordering: FAILED, " + all.size() + " of " + points
                + " memory-ordering points break docs/STYLE.md rule 2 (every ordering point is labelled) or rule 3"
                + " (memory mode in accessor names):");
        for (Violation v : all) {
            System.out.println(v.file() + ":" + v.line() + ": " + v.what() + " [" + v.rule() + "]");
            System.out.println("    " + v.source().strip());
        }
        System.out.println("Fix: put a label comment on the same line, in the comment lines directly above or on"
                + " another line of the same statement, e.g."
                + " `// [B] pairs with [A] in Foo.bar (store buffering)`, naming the partner and the pattern."
                + " A raw VarHandle access needs no label only as the single statement of an accessor whose"
                + " name carries its mode (`long headAcquire() { return (long) HEAD.getAcquire(this); }`);"
                + " label the accessor's callers instead.");
        System.exit(1);
    }

    static void usage() {
        System.err.println("usage: check-ordering DIR|FILE...     check main code (e.g. rcu/src/main/java)\n"
                + "       check-ordering --self-test FIXTURES   FIXTURES/good must pass; FIXTURES/bad must fail"
                + " on exactly the lines marked `// expect: unlabelled`");
        System.exit(2);
    }

    record Result(int points, List<Violation> violations) {}

    static List<Path> javaFiles(Path root) throws IOException {
        if (Files.isRegularFile(root)) {
            return List.of(root);
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    static Result check(Path file) {
        Source src = parse(file);
        List<Violation> violations = new ArrayList<>();
        int points = 0;

        // Accessors: single-statement methods; remember their statement ranges and names.
        List<int[]> accessorRanges = new ArrayList<>();
        List<String> accessorNames = new ArrayList<>();
        Set<Integer> declarationOffsets = new HashSet<>();
        Matcher m = SINGLE_STATEMENT_METHOD.matcher(src.codeText());
        while (m.find()) {
            String name = m.group(1);
            if (KEYWORDS.contains(name)) {
                continue;
            }
            accessorRanges.add(new int[] {m.start(2), m.end(2)});
            accessorNames.add(name);
        }
        // Method declarations (any body): their names are not calls.
        Matcher decl = Pattern.compile("(?<![\\w$])([a-zA-Z_$][\\w$]*)\\s*\\([^(){};]*\\)\\s*(?:throws\\s+[\\w$., ]+)?"
                        + "\\s*[{;]")
                .matcher(src.codeText());
        while (decl.find()) {
            int before = decl.start(1) - 1;
            while (before >= 0 && Character.isWhitespace(src.codeText().charAt(before))) {
                before--;
            }
            // A declaration's name follows a type (identifier, '>' or ']'); a call follows '.', '=', '(' etc.
            if (before >= 0) {
                char c = src.codeText().charAt(before);
                String prev = previousWord(src.codeText(), before);
                if ((Character.isJavaIdentifierPart(c) && !KEYWORDS.contains(prev)) || c == '>' || c == ']') {
                    declarationOffsets.add(decl.start(1));
                }
            }
        }

        Set<String> volatileFields = new TreeSet<>();
        Matcher vn = VOLATILE_NAMES.matcher(src.codeText());
        while (vn.find()) {
            volatileFields.add(vn.group(1));
        }
        Pattern volatileWrite = volatileFields.isEmpty()
                ? null
                : Pattern.compile("(?:(?<![\\w$])(" + String.join("|", volatileFields)
                        + ")\\s*(?:[+\\-*/%&|^]|<<|>>>?)?=(?!=))|(?:(?<![\\w$])(" + String.join("|", volatileFields)
                        + ")\\s*(?:\\+\\+|--))|(?:(?:\\+\\+|--)\\s*(?:this\\s*\\.\\s*)?(" + String.join("|", volatileFields)
                        + ")(?![\\w$]))");

        String text = src.codeText();
        List<int[]> hits = new ArrayList<>(); // offset, kind
        List<String> whats = new ArrayList<>();

        for (Matcher f = FENCE.matcher(text); f.find(); ) {
            hits.add(new int[] {f.start(1), 0});
            whats.add("fence VarHandle." + f.group(1) + "()");
        }
        for (Matcher r = RAW_ACCESS.matcher(text); r.find(); ) {
            hits.add(new int[] {r.start(1), 1});
            whats.add("ordered access ." + r.group(1) + "(...)");
        }
        for (Matcher c = CALL.matcher(text); c.find(); ) {
            String name = c.group(1);
            int at = c.start(1);
            if (declarationOffsets.contains(at) || KEYWORDS.contains(name) || !isModeNamed(name)) {
                continue;
            }
            if (isRawAccessName(name) && at > 0 && precededByDot(text, at)) {
                continue; // counted as a raw access above
            }
            if (name.matches("(fullFence|acquireFence|releaseFence|loadLoadFence|storeStoreFence)")
                    && precededByDot(text, at)) {
                continue; // counted as a fence above when the receiver is VarHandle
            }
            hits.add(new int[] {at, 2});
            whats.add("call of mode-named " + name + "(...)");
        }
        for (Matcher d = VOLATILE_DECL.matcher(text); d.find(); ) {
            hits.add(new int[] {d.start(), 3});
            whats.add("volatile field declaration");
        }
        if (volatileWrite != null) {
            for (Matcher w = volatileWrite.matcher(text); w.find(); ) {
                int group = w.group(1) != null ? 1 : w.group(2) != null ? 2 : 3;
                int at = w.start(group);
                if (group != 3 && isLocalDeclaration(text, at)) {
                    continue;
                }
                int line = src.lineOf(at);
                if (VOLATILE_DECL.matcher(src.code().get(line)).find()) {
                    continue; // the declaration's initializer: covered by the declaration
                }
                hits.add(new int[] {at, 4});
                whats.add("write to volatile field " + w.group(group));
            }
        }

        Set<Integer> reportedLines = new HashSet<>();
        for (int i = 0; i < hits.size(); i++) {
            int at = hits.get(i)[0];
            int kind = hits.get(i)[1];
            int line = src.lineOf(at);
            points++;
            if (kind == 0 || kind == 1) {
                String accessor = accessorAt(accessorRanges, accessorNames, at);
                if (accessor != null && isModeNamed(accessor)) {
                    String access = kind == 0 ? fenceName(text, at) : rawName(text, at);
                    if (namesMode(accessor, access)) {
                        continue; // inside a mode-named accessor: its callers carry the label
                    }
                    if (reportedLines.add(line)) {
                        violations.add(new Violation(src.file(), line + 1, "accessor " + accessor + "() performs ."
                                + access + "(...) but its name does not say so", "rule 3", src.raw().get(line)));
                    }
                    continue;
                }
            }
            if (labelled(src, line) || labelledInStatement(src, at)) {
                continue;
            }
            if (reportedLines.add(line)) {
                violations.add(new Violation(src.file(), line + 1, whats.get(i) + " without a `// [X] ...` label",
                        kind == 2 || kind == 0 || kind == 1 ? "rule 2" : "rule 2, volatile", src.raw().get(line)));
            }
        }
        violations.sort((a, b) -> Integer.compare(a.line(), b.line()));
        return new Result(points, violations);
    }

    static boolean precededByDot(String text, int at) {
        int i = at - 1;
        while (i >= 0 && Character.isWhitespace(text.charAt(i))) {
            i--;
        }
        return i >= 0 && text.charAt(i) == '.';
    }

    static String previousWord(String text, int end) {
        int i = end;
        while (i >= 0 && Character.isJavaIdentifierPart(text.charAt(i))) {
            i--;
        }
        return text.substring(i + 1, end + 1);
    }

    /** {@code Type name =}: a local or field declaration shadowing the volatile field's name. */
    static boolean isLocalDeclaration(String text, int at) {
        int i = at - 1;
        while (i >= 0 && Character.isWhitespace(text.charAt(i))) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        char c = text.charAt(i);
        if (c == '>' || c == ']') {
            return true;
        }
        if (Character.isJavaIdentifierPart(c)) {
            String word = previousWord(text, i);
            return !KEYWORDS.contains(word);
        }
        return false;
    }

    static String accessorAt(List<int[]> ranges, List<String> names, int offset) {
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i)[0] <= offset && offset < ranges.get(i)[1]) {
                return names.get(i);
            }
        }
        return null;
    }

    static String fenceName(String text, int at) {
        Matcher m = Pattern.compile("\\w+").matcher(text);
        return m.find(at) ? m.group() : "?";
    }

    static String rawName(String text, int at) {
        return fenceName(text, at);
    }

    static boolean isRawAccessName(String name) {
        return name.matches("getAcquire|setRelease|getOpaque|setOpaque|getVolatile|setVolatile|compareAndSet"
                + "|weakCompareAndSet\\w*|compareAndExchange\\w*|getAndAdd\\w*|getAndSet\\w*|getAndBitwise\\w*|lazySet");
    }

    /** Whether a method name carries a memory mode, making its calls ordering points. */
    static boolean isModeNamed(String name) {
        return MODE_PART.matcher(name).find()
                || name.matches("cas([A-Z0-9_]\\w*)?")
                || name.matches("(\\w*[a-z0-9])?([gG]etAnd|[wW]eakCompareAnd|[cC]ompareAnd)[A-Z]\\w*")
                || name.matches("\\w*[a-z0-9]AndGet([A-Z]\\w*)?")
                || name.matches("\\w*(Fence|Barrier)")
                || name.equals("lazySet");
    }

    /** Whether accessor {@code name} names the mode of the raw access or fence {@code access}. */
    static boolean namesMode(String name, String access) {
        String n = name.toLowerCase(Locale.ROOT);
        return switch (access) {
            case "getAcquire" -> n.contains("acquire");
            case "setRelease", "lazySet" -> n.contains("release");
            case "getOpaque", "setOpaque" -> n.contains("opaque");
            case "getVolatile", "setVolatile" -> n.contains("volatile");
            case "fullFence", "acquireFence", "releaseFence", "loadLoadFence", "storeStoreFence" -> n.contains("fence")
                    || n.contains("barrier");
            default -> {
                if (access.startsWith("compareAndSet")
                        || access.startsWith("weakCompareAndSet")
                        || access.startsWith("compareAndExchange")) {
                    yield n.startsWith("cas") || n.contains("compareand");
                }
                if (access.startsWith("getAnd")) {
                    yield n.contains("getand") || n.contains("andget");
                }
                yield false;
            }
        };
    }

    /** A label on the line itself, or in the block of comment-only lines directly above it. */
    static boolean labelled(Source src, int line) {
        if (LABEL.matcher(src.comment().get(line)).find()) {
            return true;
        }
        for (int l = line - 1; l >= 0; l--) {
            boolean commentOnly = src.code().get(l).isBlank() && !src.comment().get(l).isBlank();
            if (!commentOnly) {
                // A statement split over lines: a label on its first line, if that line holds no ordering point.
                return l == line - 1
                        && !src.code().get(l).isBlank()
                        && !src.code().get(l).strip().endsWith(";")
                        && !src.code().get(l).strip().endsWith("{")
                        && !src.code().get(l).strip().endsWith("}")
                        && LABEL.matcher(src.comment().get(l)).find();
            }
            if (LABEL.matcher(src.comment().get(l)).find()) {
                return true;
            }
        }
        return false;
    }

    /** A label on any line of the statement that holds the ordering point (formatters move comments). */
    static boolean labelledInStatement(Source src, int at) {
        String text = src.codeText();
        int start = at;
        while (start > 0 && ";{}".indexOf(text.charAt(start - 1)) < 0) {
            start--;
        }
        while (start < at && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        int end = at;
        while (end < text.length() && "{};".indexOf(text.charAt(end)) < 0) {
            end++;
        }
        for (int l = src.lineOf(start); l <= src.lineOf(Math.min(end, text.length() - 1)); l++) {
            if (LABEL.matcher(src.comment().get(l)).find()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Splits each line into code (string and char literals emptied, comments removed) and comment
     * text. Only line comments count as label carriers; block comments and Javadoc are dropped.
     */
    static Source parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> raw = text.lines().toList();
        List<String> code = new ArrayList<>();
        List<String> comment = new ArrayList<>();
        StringBuilder codeLine = new StringBuilder();
        StringBuilder commentLine = new StringBuilder();
        int state = 0; // 0 code, 1 block comment, 2 string, 3 char, 4 text block, 5 line comment
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char next = i + 1 < text.length() ? text.charAt(i + 1) : '\0';
            if (c == '\n') {
                if (state == 5) {
                    state = 0;
                }
                code.add(codeLine.toString());
                comment.add(commentLine.toString());
                codeLine.setLength(0);
                commentLine.setLength(0);
                continue;
            }
            if (c == '\r') {
                continue;
            }
            switch (state) {
                case 0 -> {
                    if (c == '/' && next == '/') {
                        state = 5;
                        i++;
                    } else if (c == '/' && next == '*') {
                        state = 1;
                        codeLine.append(' ');
                        i++;
                    } else if (c == '"' && text.startsWith("\"\"\"", i)) {
                        state = 4;
                        codeLine.append("\"\"");
                        i += 2;
                    } else if (c == '"') {
                        state = 2;
                        codeLine.append('"');
                    } else if (c == '\'') {
                        state = 3;
                        codeLine.append('\'');
                    } else {
                        codeLine.append(c);
                    }
                }
                case 1 -> {
                    if (c == '*' && next == '/') {
                        state = 0;
                        i++;
                    }
                }
                case 2, 3 -> {
                    if (c == '\\') {
                        i++;
                    } else if ((state == 2 && c == '"') || (state == 3 && c == '\'')) {
                        codeLine.append(c);
                        state = 0;
                    }
                }
                case 4 -> {
                    if (c == '\\') {
                        i++;
                    } else if (text.startsWith("\"\"\"", i)) {
                        state = 0;
                        i += 2;
                    }
                }
                case 5 -> commentLine.append(c);
                default -> throw new IllegalStateException();
            }
        }
        if (!codeLine.isEmpty() || !commentLine.isEmpty() || code.size() < raw.size()) {
            code.add(codeLine.toString());
            comment.add(commentLine.toString());
        }
        while (raw.size() > code.size()) {
            code.add("");
            comment.add("");
        }
        StringBuilder joined = new StringBuilder();
        int[] starts = new int[code.size()];
        for (int l = 0; l < code.size(); l++) {
            starts[l] = joined.length();
            joined.append(code.get(l)).append('\n');
        }
        List<String> rawPadded = new ArrayList<>(raw);
        while (rawPadded.size() < code.size()) {
            rawPadded.add("");
        }
        return new Source(file, rawPadded, code, comment, joined.toString(), starts);
    }

    /** FIXTURES/good must pass; FIXTURES/bad must be flagged on exactly its `// expect: unlabelled` lines. */
    static boolean selfTest(Path fixtures) throws IOException {
        boolean ok = true;
        int goodFiles = 0;
        for (Path file : javaFiles(fixtures.resolve("good"))) {
            goodFiles++;
            for (Violation v : check(file).violations()) {
                System.out.println("check-ordering self-test: false alarm " + v.file() + ":" + v.line() + ": "
                        + v.what());
                ok = false;
            }
        }
        int expectedTotal = 0;
        for (Path file : javaFiles(fixtures.resolve("bad"))) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("// expect: unlabelled")) {
                    expected.add(i + 1);
                }
            }
            expectedTotal += expected.size();
            Set<Integer> flagged = new TreeSet<>();
            for (Violation v : check(file).violations()) {
                flagged.add(v.line());
            }
            for (int line : expected) {
                if (!flagged.contains(line)) {
                    System.out.println("check-ordering self-test: missed " + file + ":" + line + ": "
                            + lines.get(line - 1).strip());
                    ok = false;
                }
            }
            for (int line : flagged) {
                if (!expected.contains(line)) {
                    System.out.println("check-ordering self-test: unexpected flag " + file + ":" + line + ": "
                            + lines.get(line - 1).strip());
                    ok = false;
                }
            }
        }
        if (goodFiles == 0 || expectedTotal == 0) {
            System.out.println("check-ordering self-test: no fixtures under " + fixtures + "/good and /bad");
            return false;
        }
        System.out.println(ok
                ? "check-ordering self-test: OK, " + expectedTotal + " planted unlabelled points found, no false alarms"
                : "check-ordering self-test: FAILED, the check itself is broken (see above)");
        return ok;
    }
}
