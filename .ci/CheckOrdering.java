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
 * or on another line of the same statement (formatters move trailing comments); and every label says
 * where it is explained, once per module. Run through {@code .ci/check-ordering}; single-file program,
 * JDK only.
 *
 * <p>What it checks: the paths given, or, given none, the {@code src/main/java} of every module in the
 * {@code <modules>} of {@code pom.xml} (in the working directory), but those named by {@code --skip}
 * ({@code ./tp test} skips the modules its table marks neither runtime nor harness). So a new module is checked
 * from its first line. A file's module is the folder above its {@code src/main/java}; a path with no
 * {@code src/main/java} above it is a module of its own.
 *
 * <p>Ordering points:
 * <ul>
 *   <li>fences: {@code VarHandle.fullFence()} and friends; calls of methods named {@code ...Fence} or
 *       {@code ...Barrier} (e.g. {@code readerBarrier(engine)});
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
 *
 * <p>Labels ({@code [X]}: a capital, then up to 11 letters, digits, {@code _ ' -}) are explained in
 * the file's design note: the first {@code /*} block comment (not Javadoc) in the body of the file's
 * top-level type, opened by a line holding {@code /*} alone (docs/STYLE.md rule 1).
 * <ul>
 *   <li><b>Defined.</b> A note line defines labels when it is an <em>item</em>: after its {@code *},
 *       at the note's item indentation (the least indentation of any note line that begins with a
 *       label), it begins with a label or labels joined by {@code /} ({@code [W1]/[W2]}), then a space,
 *       and it starts a paragraph: the note line above is blank, indented differently (a heading such
 *       as {@code Memory ordering}, or the previous item's continuation), or ends a sentence with
 *       {@code .} or {@code :}. So {@code *   [P] setProbesRelease() ...} is an item, while a wrapped
 *       line of prose that happens to begin with {@code [SC] and [K], ...} is not. The item's text is
 *       that line and the lines below it indented deeper.
 *   <li><b>Rule: no undefined label.</b> Every label in a {@code //} comment of the file must appear in
 *       the file's design note: as an item, or anywhere in its text, which is how a note names a label
 *       defined elsewhere ({@code ([SC] in ProbeUpdates)}, {@code pairs with [A], the grace period's
 *       barrier}). A file without a design note may use no label.
 *   <li><b>Rule: one meaning per label in a module.</b> Items of one label within a module must agree:
 *       either all their texts are equal (whitespace aside), or one file is the label's home and every
 *       item of it in other files cross-references that home, as {@code Home [X]}, {@code Home's [X]}
 *       or {@code [X] in Home} (Home: the home file's name without {@code .java}). Naming the home file
 *       elsewhere in the item does not count. Two items of one label in one file must have equal text.
 *       Modules are separate: {@code [R]} may mean one thing in rcu and another in tracepoint.
 * </ul>
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

    /** What a violation breaks; the self-test's {@code // expect: ...} markers name these. */
    enum Kind {
        UNLABELLED("unlabelled"),
        UNDEFINED_LABEL("undefined label"),
        TWO_MEANINGS("two meanings");

        final String marker;

        Kind(String marker) {
            this.marker = marker;
        }
    }

    record Violation(Path file, int line, String what, String rule, String source, Kind kind) {

        Violation(Path file, int line, String what, String rule, String source) {
            this(file, line, what, rule, source, Kind.UNLABELLED);
        }
    }

    /** A block comment: its first and last line (0-based), the brace depth where it opens, Javadoc or not. */
    record BlockComment(int startLine, int endLine, int depth, boolean javadoc) {}

    /** An item of a design note: the labels it defines, its line (0-based) and its text. */
    record Item(List<String> labels, int line, String text) {}

    /** A design note: its items and every label its text mentions; null for a file without one. */
    record Note(List<Item> items, Set<String> mentioned) {}

    /** A label in a {@code //} comment: its line (0-based) and the label. */
    record LabelUse(int line, String label) {}

    /** One file with comments and literals separated from code, line by line. */
    record Source(
            Path file,
            List<String> raw,
            List<String> code,
            List<String> comment,
            String codeText,
            int[] lineStarts,
            List<BlockComment> blocks) {

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

    /** A module: its name and its files to check. */
    record Module(String name, List<Path> files) {}

    public static void main(String[] args) throws IOException {
        if (args.length >= 1 && args[0].equals("--self-test")) {
            if (args.length != 2) {
                usage();
            }
            System.exit(selfTest(Path.of(args[1])) ? 0 : 1);
        }
        Set<String> skip = new TreeSet<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--skip") && i + 1 < args.length && paths.isEmpty()) {
                skip.addAll(List.of(args[++i].split("[,\\s]+")));
                skip.remove("");
            } else if (args[i].startsWith("-")) {
                usage();
            } else {
                paths.add(args[i]);
            }
        }
        if (!skip.isEmpty() && !paths.isEmpty()) {
            usage();
        }
        List<String> roots = new ArrayList<>();
        List<Module> modules = paths.isEmpty() ? pomModules(Path.of("pom.xml"), skip, roots) : modulesOf(paths, roots);
        List<Violation> pointViolations = new ArrayList<>();
        List<Violation> labelViolations = new ArrayList<>();
        int files = 0;
        int points = 0;
        Set<String> labels = new TreeSet<>();
        for (Module module : modules) {
            ModuleResult r = checkModule(module.files());
            files += module.files().size();
            points += r.points();
            labels.addAll(r.labels().stream().map(l -> module.name() + " " + l).toList());
            for (Violation v : r.violations()) {
                (v.kind() == Kind.UNLABELLED ? pointViolations : labelViolations).add(v);
            }
        }
        String under = String.join(" ", roots);
        if (pointViolations.isEmpty() && labelViolations.isEmpty()) {
            System.out.println("check-ordering: OK, " + points + " memory-ordering points in " + files
                    + " files under " + under + ", every one labelled; " + labels.size()
                    + " labels, each in its file's design note, one meaning per module");
            return;
        }
        if (!pointViolations.isEmpty()) {
            System.out.println("check-ordering: FAILED, " + pointViolations.size() + " of " + points
                    + " memory-ordering points under " + under + " break docs/STYLE.md rule 2 (every ordering point"
                    + " is labelled) or rule 3 (memory mode in accessor names):");
            print(pointViolations);
            System.out.println("Fix: put a label comment on the same line, in the comment lines directly above or on"
                    + " another line of the same statement, e.g."
                    + " `// [B] pairs with [A] in Foo.bar (store buffering)`, naming the partner and the pattern."
                    + " A raw VarHandle access needs no label only as the single statement of an accessor whose"
                    + " name carries its mode (`long headAcquire() { return (long) HEAD.getAcquire(this); }`);"
                    + " label the accessor's callers instead.");
        }
        if (!labelViolations.isEmpty()) {
            long undefined = labelViolations.stream()
                    .filter(v -> v.kind() == Kind.UNDEFINED_LABEL)
                    .count();
            List<String> what = new ArrayList<>();
            if (undefined > 0) {
                what.add(undefined + " label uses are not in their file's design note");
            }
            if (labelViolations.size() > undefined) {
                what.add((labelViolations.size() - undefined)
                        + " label definitions give a label a second meaning in its module");
            }
            System.out.println("check-ordering: FAILED, under " + under + " " + String.join(", and ", what)
                    + " (docs/STYLE.md rule 2; the rules are in the header of .ci/CheckOrdering.java):");
            print(labelViolations);
            System.out.println("Fix: explain each label in the design note of the file that uses it: define it as an"
                    + " item (` *   [X] what it orders, its partner, the pattern`), or name where it is defined"
                    + " (`[X] in Foo`). One label, one meaning per module: rename one of two clashing labels, or"
                    + " make the other item cross-reference its home (`see Foo [X]`).");
        }
        System.exit(1);
    }

    static void print(List<Violation> violations) {
        for (Violation v : violations) {
            System.out.println(v.file() + ":" + v.line() + ": " + v.what() + " [" + v.rule() + "]");
            System.out.println("    " + v.source().strip());
        }
    }

    static void usage() {
        System.err.println("usage: check-ordering [--skip MODULE,...]    check the main code of every module in"
                + " pom.xml's <modules>, but those skipped\n"
                + "       check-ordering DIR|FILE...            check that main code (e.g. rcu/src/main/java)\n"
                + "       check-ordering --self-test FIXTURES   FIXTURES/good must pass; FIXTURES/bad must fail"
                + " on exactly the lines marked `// expect: unlabelled`, `// expect: undefined label` or"
                + " `// expect: two meanings`");
        System.exit(2);
    }

    /** The modules of {@code pom}'s {@code <modules>} that have main code, but those in {@code skip}. */
    static List<Module> pomModules(Path pom, Set<String> skip, List<String> roots) throws IOException {
        if (!Files.isRegularFile(pom)) {
            System.err.println("check-ordering: no " + pom + " here to take the modules from; name the paths"
                    + " to check, or run it from the project's root");
            System.exit(2);
        }
        List<String> names = new ArrayList<>();
        try {
            var factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            var document = factory.newDocumentBuilder().parse(pom.toFile());
            var projectChildren = document.getDocumentElement().getChildNodes();
            for (int i = 0; i < projectChildren.getLength(); i++) {
                if (projectChildren.item(i) instanceof org.w3c.dom.Element e && e.getTagName().equals("modules")) {
                    var modules = e.getElementsByTagName("module");
                    for (int j = 0; j < modules.getLength(); j++) {
                        names.add(modules.item(j).getTextContent().strip());
                    }
                }
            }
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            System.err.println("check-ordering: cannot read the <modules> of " + pom + ": " + e.getMessage());
            System.exit(2);
        }
        Set<String> unknown = new TreeSet<>(skip);
        names.forEach(unknown::remove);
        if (!unknown.isEmpty()) {
            System.err.println("check-ordering: --skip names " + String.join(", ", unknown) + ", not among the"
                    + " <modules> of " + pom + " (" + String.join(" ", names) + ")");
            System.exit(2);
        }
        Path base = pom.toAbsolutePath().getParent();
        List<Module> modules = new ArrayList<>();
        for (String name : names) {
            Path main = Path.of(name, "src", "main", "java");
            if (!skip.contains(name) && Files.isDirectory(base.resolve(main))) {
                roots.add(main.toString());
                modules.add(new Module(name, javaFiles(base.resolve(main))));
            }
        }
        if (modules.isEmpty()) {
            System.err.println("check-ordering: no module of " + pom + " left to check");
            System.exit(2);
        }
        return modules;
    }

    /** The files under the paths given, grouped by module. */
    static List<Module> modulesOf(List<String> paths, List<String> roots) throws IOException {
        java.util.Map<String, List<Path>> byModule = new java.util.LinkedHashMap<>();
        for (String arg : paths) {
            Path root = Path.of(arg);
            if (!Files.exists(root)) {
                System.err.println("check-ordering: " + root + " does not exist");
                System.exit(2);
            }
            roots.add(arg);
            for (Path file : javaFiles(root)) {
                byModule.computeIfAbsent(moduleOf(file, root), k -> new ArrayList<>()).add(file);
            }
        }
        return byModule.entrySet().stream()
                .map(e -> new Module(e.getKey(), e.getValue()))
                .toList();
    }

    /** The module of {@code file}: the folder above the src/main/java that holds it, else {@code root}. */
    static String moduleOf(Path file, Path root) {
        for (Path at = file.toAbsolutePath().normalize().getParent(); at != null; at = at.getParent()) {
            Path main = at.getParent();
            Path src = main == null ? null : main.getParent();
            if (at.endsWith("java") && main.endsWith("main") && src != null && src.endsWith("src")
                    && src.getParent() != null) {
                return src.getParent().toString();
            }
        }
        return root.toAbsolutePath().normalize().toString();
    }

    record Result(int points, List<Violation> violations, Source source, Note note, List<LabelUse> uses) {}

    record ModuleResult(int points, List<Violation> violations, Set<String> labels) {}

    /** Checks one module's files: each file's ordering points and labels, then its labels' meanings. */
    static ModuleResult checkModule(List<Path> files) {
        List<Violation> violations = new ArrayList<>();
        Set<String> labels = new TreeSet<>();
        int points = 0;
        List<Result> results = new ArrayList<>();
        for (Path file : files) {
            Result r = check(file);
            results.add(r);
            points += r.points();
            violations.addAll(r.violations());
            violations.addAll(undefinedLabels(r));
            r.uses().forEach(u -> labels.add(u.label()));
            if (r.note() != null) {
                r.note().items().forEach(item -> labels.addAll(item.labels()));
            }
        }
        violations.addAll(twoMeanings(results));
        violations.sort(java.util.Comparator.comparing((Violation v) -> v.file().toString())
                .thenComparingInt(Violation::line));
        return new ModuleResult(points, violations, labels);
    }

    /** Rule: every label in a {@code //} comment appears in the file's design note. */
    static List<Violation> undefinedLabels(Result r) {
        List<Violation> violations = new ArrayList<>();
        for (LabelUse use : r.uses()) {
            if (r.note() != null && r.note().mentioned().contains(use.label())) {
                continue;
            }
            String why = r.note() == null
                    ? "label " + use.label() + " used, but this file has no design note to explain it"
                    : "label " + use.label() + " used, but this file's design note neither defines nor names it";
            violations.add(new Violation(
                    r.source().file(),
                    use.line() + 1,
                    why,
                    "rule 2, labels explained",
                    r.source().raw().get(use.line()),
                    Kind.UNDEFINED_LABEL));
        }
        return violations;
    }

    /** Rule: within a module, the items of one label agree (equal text, or cross-references to one home). */
    static List<Violation> twoMeanings(List<Result> results) {
        record Definition(Result result, Item item) {
            String home() {
                String name = result.source().file().getFileName().toString();
                return name.endsWith(".java") ? name.substring(0, name.length() - 5) : name;
            }
        }
        java.util.Map<String, List<Definition>> byLabel = new java.util.TreeMap<>();
        for (Result r : results) {
            if (r.note() == null) {
                continue;
            }
            for (Item item : r.note().items()) {
                for (String label : item.labels()) {
                    byLabel.computeIfAbsent(label, k -> new ArrayList<>()).add(new Definition(r, item));
                }
            }
        }
        List<Violation> violations = new ArrayList<>();
        for (var entry : byLabel.entrySet()) {
            String label = entry.getKey();
            List<Definition> definitions = entry.getValue();
            if (definitions.stream().map(d -> d.item().text()).distinct().count() <= 1) {
                continue;
            }
            boolean oneHome = false;
            for (String home : definitions.stream().map(Definition::home).distinct().toList()) {
                List<Definition> atHome = definitions.stream()
                        .filter(d -> d.home().equals(home))
                        .toList();
                boolean homeAgrees =
                        atHome.stream().map(d -> d.item().text()).distinct().count() == 1;
                boolean othersReferHome = definitions.stream()
                        .filter(d -> !d.home().equals(home))
                        .allMatch(d -> crossReferences(d.item().text(), home, label));
                if (homeAgrees && othersReferHome) {
                    oneHome = true;
                    break;
                }
            }
            if (oneHome) {
                continue;
            }
            for (Definition d : definitions) {
                List<String> others = new ArrayList<>();
                for (Definition o : definitions) {
                    if (o != d && !o.item().text().equals(d.item().text())) {
                        others.add(o.result().source().file().getFileName() + ":" + (o.item().line() + 1));
                    }
                }
                violations.add(new Violation(
                        d.result().source().file(),
                        d.item().line() + 1,
                        "label " + label + " defined here with another meaning than at " + String.join(", ", others),
                        "rule 2, one meaning per label",
                        d.result().source().raw().get(d.item().line()),
                        Kind.TWO_MEANINGS));
            }
        }
        return violations;
    }

    /** Whether {@code text} cross-references {@code label} of file {@code home}: {@code home [X]},
     * {@code home's [X]} or {@code [X] in home}. */
    static boolean crossReferences(String text, String home, String label) {
        String h = Pattern.quote(home);
        String l = Pattern.quote(label);
        return Pattern.compile("(?<![\\w$])" + h + "(?:'s)?\\s+" + l + "|" + l + "\\s+in\\s+" + h + "(?![\\w$])")
                .matcher(text)
                .find();
    }

    static final Pattern NOTE_ITEM = Pattern.compile(
            "^( +)(" + LABEL.pattern() + "(?:/" + LABEL.pattern() + ")*)(?: |$)");

    /** The design note of {@code src} (see the class comment), or null when it has none. */
    static Note note(Source src) {
        BlockComment block = null;
        for (BlockComment b : src.blocks()) {
            if (b.depth() == 1 && !b.javadoc() && src.raw().get(b.startLine()).strip().equals("/*")) {
                block = b;
                break;
            }
        }
        if (block == null) {
            return null;
        }
        List<String> content = new ArrayList<>();
        for (int l = block.startLine() + 1; l <= block.endLine(); l++) {
            String line = src.raw().get(l);
            if (l == block.endLine()) {
                int end = line.indexOf("*/");
                line = end >= 0 ? line.substring(0, end) : line;
            }
            String stripped = line.stripLeading();
            content.add(stripped.startsWith("*") ? stripped.substring(1).stripTrailing() : stripped.stripTrailing());
        }
        Set<String> mentioned = new TreeSet<>();
        int itemIndent = Integer.MAX_VALUE;
        for (String line : content) {
            for (Matcher m = LABEL.matcher(line); m.find(); ) {
                mentioned.add(m.group());
            }
            Matcher item = NOTE_ITEM.matcher(line);
            if (item.find()) {
                itemIndent = Math.min(itemIndent, item.group(1).length());
            }
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            Matcher item = NOTE_ITEM.matcher(content.get(i));
            if (!item.find() || item.group(1).length() != itemIndent) {
                continue;
            }
            String above = i == 0 ? "" : content.get(i - 1);
            boolean startsParagraph = above.isBlank()
                    || indentation(above) != itemIndent
                    || above.endsWith(".")
                    || above.endsWith(":");
            if (!startsParagraph) {
                continue;
            }
            StringBuilder text = new StringBuilder(content.get(i).strip());
            for (int j = i + 1; j < content.size(); j++) {
                String next = content.get(j);
                if (next.isBlank() || indentation(next) <= itemIndent) {
                    break;
                }
                text.append(' ').append(next.strip());
            }
            List<String> labels = new ArrayList<>();
            for (Matcher m = LABEL.matcher(item.group(2)); m.find(); ) {
                labels.add(m.group());
            }
            items.add(new Item(labels, block.startLine() + 1 + i, text.toString().replaceAll("\\s+", " ")));
        }
        return new Note(items, mentioned);
    }

    static int indentation(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    /** The labels in the file's {@code //} comments. */
    static List<LabelUse> labelUses(Source src) {
        List<LabelUse> uses = new ArrayList<>();
        for (int l = 0; l < src.comment().size(); l++) {
            Set<String> seen = new HashSet<>();
            for (Matcher m = LABEL.matcher(src.comment().get(l)); m.find(); ) {
                if (seen.add(m.group())) {
                    uses.add(new LabelUse(l, m.group()));
                }
            }
        }
        return uses;
    }

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
        return new Result(points, violations, src, note(src), labelUses(src));
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
        int depth = 0; // of braces in code
        List<BlockComment> blocks = new ArrayList<>();
        int blockStart = 0;
        int blockDepth = 0;
        boolean blockJavadoc = false;
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
                        blockStart = code.size();
                        blockDepth = depth;
                        blockJavadoc = text.startsWith("/**", i) && !text.startsWith("/**/", i);
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
                        if (c == '{') {
                            depth++;
                        } else if (c == '}') {
                            depth--;
                        }
                        codeLine.append(c);
                    }
                }
                case 1 -> {
                    if (c == '*' && next == '/') {
                        state = 0;
                        blocks.add(new BlockComment(blockStart, code.size(), blockDepth, blockJavadoc));
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
        return new Source(file, rawPadded, code, comment, joined.toString(), starts, blocks);
    }

    /**
     * FIXTURES/good must pass; FIXTURES/bad must be flagged on exactly its lines marked {@code // expect:
     * unlabelled}, {@code // expect: undefined label} and {@code // expect: two meanings}, each for that
     * rule. Files are grouped into modules as for paths given on the command line.
     */
    static boolean selfTest(Path fixtures) throws IOException {
        boolean ok = true;
        List<Module> good = modulesOf(List.of(fixtures.resolve("good").toString()), new ArrayList<>());
        int goodFiles = 0;
        for (Module module : good) {
            goodFiles += module.files().size();
            for (Violation v : checkModule(module.files()).violations()) {
                System.out.println("check-ordering self-test: false alarm " + v.file() + ":" + v.line() + ": "
                        + v.what());
                ok = false;
            }
        }
        java.util.Map<Kind, Integer> expectedTotal = new java.util.EnumMap<>(Kind.class);
        for (Module module : modulesOf(List.of(fixtures.resolve("bad").toString()), new ArrayList<>())) {
            Set<String> expected = new TreeSet<>();
            java.util.Map<Path, List<String>> lines = new java.util.HashMap<>();
            for (Path file : module.files()) {
                List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
                lines.put(file, text);
                for (int i = 0; i < text.size(); i++) {
                    for (Kind kind : Kind.values()) {
                        if (text.get(i).contains("// expect: " + kind.marker)) {
                            expected.add(file + ":" + (i + 1) + ": " + kind.marker);
                            expectedTotal.merge(kind, 1, Integer::sum);
                        }
                    }
                }
            }
            Set<String> flagged = new TreeSet<>();
            for (Violation v : checkModule(module.files()).violations()) {
                flagged.add(v.file() + ":" + v.line() + ": " + v.kind().marker);
            }
            for (String e : expected) {
                if (!flagged.contains(e)) {
                    System.out.println("check-ordering self-test: missed " + e + ": " + sourceOf(lines, e));
                    ok = false;
                }
            }
            for (String f : flagged) {
                if (!expected.contains(f)) {
                    System.out.println("check-ordering self-test: unexpected flag " + f + ": " + sourceOf(lines, f));
                    ok = false;
                }
            }
        }
        if (goodFiles == 0 || expectedTotal.size() < Kind.values().length) {
            System.out.println("check-ordering self-test: no fixtures under " + fixtures + "/good, or /bad lacks"
                    + " an `// expect: ...` marker of each kind");
            return false;
        }
        System.out.println(ok
                ? "check-ordering self-test: OK, " + expectedTotal.get(Kind.UNLABELLED)
                        + " planted unlabelled points, " + expectedTotal.get(Kind.UNDEFINED_LABEL)
                        + " undefined labels and " + expectedTotal.get(Kind.TWO_MEANINGS)
                        + " two-meaning definitions found, no false alarms"
                : "check-ordering self-test: FAILED, the check itself is broken (see above)");
        return ok;
    }

    /** The source line a self-test key ({@code file:line: kind}) points at. */
    static String sourceOf(java.util.Map<Path, List<String>> lines, String key) {
        String[] parts = key.split(":");
        List<String> text = lines.get(Path.of(parts[0]));
        int line = Integer.parseInt(parts[1]);
        return text == null || line > text.size() ? "" : text.get(line - 1).strip();
    }
}
