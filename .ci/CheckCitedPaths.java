import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CI check that every repository path cited in the repository exists: a design note named in a
 * test ("oracle 1 of docs/design/grace-periods.md"), a README named in a comment, a results folder
 * named in a README. It fails, listing file:line, on a cited path that is missing, and on any cited
 * path that climbs out of the repository with a leading {@code ..} segment: the repository must
 * stand on its own. Run through {@code .ci/check-cited-paths}; single-file program, JDK and git only.
 *
 * <p>What it scans: every file {@code git ls-files} lists that is text a person reads or runs: Java,
 * Markdown, XML, shell scripts (by extension or by a {@code #!} first line), {@code tp} and every
 * file under {@code .ci/}, except its own fixtures. Data ({@code bench/results/*.json}) is skipped.
 *
 * <p>What counts as a cited path: a run of path characters ({@code A-Z a-z 0-9 _ . - /}) with at
 * least one slash, not preceded by a path character nor by $, }, @, :, ~ or a backslash (so the
 * middle of a URL, {@code $ROOT/tp} and {@code ${dir}/x} are not), trailing dots (end of a
 * sentence) and unmatched closing braces (end of a Javadoc tag) dropped, whose first segment is a
 * top-level entry of the repository ({@code docs}, {@code rcu}, {@code .ci}, ...). Everything else
 * is another project's path or not a path at all, and is not checked:
 * <ul>
 *   <li>URLs (their host comes after a slash), Java packages (dots, not slashes), Maven coordinates
 *       (colons);
 *   <li>other projects' sources: the kernel's {@code kernel/rcu/srcutree.c}, liburcu's
 *       {@code src/urcu.c}: their first segment is not one of ours;
 *   <li>paths relative to a module or package ({@code src/test/java/...} in a module's README,
 *       {@code gp/SectionHold}): write repository-rooted paths to have them checked;
 *   <li>absolute paths ({@code /usr/lib/jvm/...}), which name the machine, not the repository;
 *   <li>globs (a star, a question mark or a brace anywhere in the path);
 *   <li>paths git ignores ({@code bench/target/benchmarks.jar}, {@code .tp/jcstress/}): build
 *       output that exists only after a build;
 *   <li>alternatives written with slashes whose every segment is a top-level folder
 *       ({@code rcu/tracepoint}).
 * </ul>
 * An elided path ({@code bench/results/...}) is checked up to the elision. A path with a leading
 * {@code ./} is checked without it; one with a leading {@code ../}, or whose {@code ..} segments
 * climb above the root, is reported as outside the repository.
 *
 * <p>A path exists when git tracks it (a file, or a folder holding tracked files) or it is on disk.
 */
public final class CheckCitedPaths {

    /** A candidate: path characters with a slash, not continuing a word, a variable or a URL. */
    static final Pattern CANDIDATE =
            Pattern.compile("(?<![A-Za-z0-9_$@{}/.~\\\\:*?-])[A-Za-z0-9_./*?{}-]*/[A-Za-z0-9_./*?{}-]*");

    /** Where the self-test fixtures live; the real scan skips them (the bad one cites bad paths). */
    static final String FIXTURES = ".ci/check-cited-paths-fixtures";

    /** What a self-test fixture line carries when the check must flag it. */
    static final String EXPECT = "expect: flagged";

    static final Set<String> TEXT_EXTENSIONS =
            Set.of("java", "md", "xml", "sh", "bash", "txt", "properties", "yml", "yaml", "toml", "cfg");

    /** Files named so are text whatever their extension (scripts without one). */
    static final Set<String> TEXT_NAMES = Set.of("tp", ".gitignore", ".gitattributes");

    record Violation(String file, int line, String cited, String why) {
        @Override
        public String toString() {
            return file + ":" + line + ": cites " + cited + ": " + why;
        }
    }

    record Citation(String file, int line, String cited, String path) {}

    /** The repository: its root, its tracked files, the folders holding them, its top-level entries. */
    record Repo(Path root, Set<String> files, Set<String> dirs, Set<String> topLevel, Set<String> topLevelDirs) {

        static Repo of(Path root) {
            Set<String> files = new TreeSet<>(Arrays.asList(git(root, null, "ls-files", "-z").split("\0")));
            files.remove("");
            Set<String> dirs = new HashSet<>();
            Set<String> top = new HashSet<>();
            Set<String> topDirs = new HashSet<>();
            for (String f : files) {
                int slash = f.indexOf('/');
                top.add(slash < 0 ? f : f.substring(0, slash));
                if (slash > 0) {
                    topDirs.add(f.substring(0, slash));
                }
                for (int i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) {
                    dirs.add(f.substring(0, i));
                }
            }
            return new Repo(root, files, dirs, top, topDirs);
        }

        boolean exists(String path) {
            String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            if (p.isEmpty() || files.contains(p) || dirs.contains(p)) {
                return true;
            }
            return Files.exists(root.resolve(p));
        }
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(git(Path.of("."), null, "rev-parse", "--show-toplevel").strip());
        Repo repo = Repo.of(root);
        if (args.length >= 1 && args[0].equals("--self-test")) {
            if (args.length > 2) {
                usage();
            }
            System.exit(selfTest(repo, args.length == 2 ? args[1] : FIXTURES) ? 0 : 1);
        }
        List<String> targets = new ArrayList<>();
        boolean list = false;
        for (String arg : args) {
            if (arg.equals("--list")) {
                list = true;
            } else if (arg.startsWith("-")) {
                usage();
            } else {
                targets.add(arg);
            }
        }
        if (targets.isEmpty()) {
            for (String f : repo.files()) {
                if (!f.startsWith(FIXTURES + "/") && isText(root, f)) {
                    targets.add(f);
                }
            }
        }
        List<Citation> citations = new ArrayList<>();
        for (String f : targets) {
            if (!Files.isRegularFile(root.resolve(f))) {
                System.err.println("check-cited-paths: " + f + " is not a file under " + root);
                System.exit(2);
            }
            citations.addAll(scan(root, f, repo));
        }
        if (list) {
            for (Citation c : citations) {
                System.out.println(c.file() + ":" + c.line() + ": " + c.cited()
                        + (c.cited().equals(c.path()) ? "" : " -> " + c.path()));
            }
        }
        List<Violation> violations = judge(repo, citations);
        if (violations.isEmpty()) {
            System.out.println("check-cited-paths: OK, " + citations.size() + " citations of repository paths in "
                    + targets.size() + " files, every one exists");
            return;
        }
        System.out.println("check-cited-paths: FAILED, " + violations.size() + " of " + citations.size()
                + " cited repository paths do not exist or point outside the repository:");
        for (Violation v : violations) {
            System.out.println(v);
        }
        System.out.println("Fix: cite the path as it is now, from the repository root (`git ls-files` lists them),"
                + " e.g. `docs/design/grace-periods.md`; move anything cited from outside the repository into it,"
                + " and cite it there.");
        System.exit(1);
    }

    static void usage() {
        System.err.println("usage: check-cited-paths [--list] [FILE...]   check the cited paths in FILEs (default:"
                + " every tracked text file); --list prints each citation found\n"
                + "       check-cited-paths --self-test [DIR]          DIR (default " + FIXTURES + "):"
                + " good.md must pass, bad.md must fail on exactly the lines marked `" + EXPECT + "`");
        System.exit(2);
    }

    /** Whether a tracked file is text a person reads or runs, and so may cite paths. */
    static boolean isText(Path root, String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 ? name.substring(dot + 1) : "";
        if (ext.equals("json")) {
            return false;
        }
        if (TEXT_EXTENSIONS.contains(ext) || TEXT_NAMES.contains(name) || file.startsWith(".ci/")) {
            return true;
        }
        Path p = root.resolve(file);
        if (!Files.isRegularFile(p)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && head[0] == '#' && head[1] == '!';
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every citation of a repository path in one file. */
    static List<Citation> scan(Path root, String file, Repo repo) {
        List<Citation> out = new ArrayList<>();
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(root.resolve(file))))
                    .toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = CANDIDATE.matcher(lines[i]);
            while (m.find()) {
                String cited = trim(m.group());
                String path = repositoryPath(cited, repo);
                if (path != null) {
                    out.add(new Citation(file, i + 1, cited, path));
                }
            }
        }
        return out;
    }

    /** Drops what ends the citation rather than belongs to it: a sentence's dots, a Javadoc tag's brace. */
    static String trim(String candidate) {
        String c = candidate;
        while (true) {
            if (c.endsWith(".")) {
                c = c.substring(0, c.length() - 1);
            } else if (c.endsWith("}") && c.chars().filter(ch -> ch == '}').count()
                    > c.chars().filter(ch -> ch == '{').count()) {
                c = c.substring(0, c.length() - 1);
            } else {
                return c;
            }
        }
    }

    /**
     * The repository path a candidate cites, or null when it cites none (see the class comment). A
     * path outside the repository comes back starting with "../".
     */
    static String repositoryPath(String cited, Repo repo) {
        String p = cited;
        if (p.startsWith("/") || p.indexOf('/') < 0) {
            return null; // absolute, or a lone word
        }
        if (p.chars().anyMatch(c -> c == '*' || c == '?' || c == '{' || c == '}')) {
            return null; // a glob
        }
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        if (p.startsWith("../")) {
            return p.length() > 3 ? p : null;
        }
        String[] segments = p.split("/", -1);
        if (!repo.topLevel().contains(segments[0])) {
            return null; // another project's path, a module-relative path, or no path at all
        }
        // An elision ("bench/results/..."): check what comes before it.
        List<String> kept = new ArrayList<>();
        boolean elided = false;
        for (String s : segments) {
            if (s.contains("...")) {
                elided = true;
                break;
            }
            kept.add(s);
        }
        boolean trailingSlash = elided || p.endsWith("/");
        // Normalize "." and ".."; climbing above the root is outside the repository.
        List<String> norm = new ArrayList<>();
        for (String s : kept) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (norm.isEmpty()) {
                    return "../" + p;
                }
                norm.remove(norm.size() - 1);
                continue;
            }
            norm.add(s);
        }
        if (norm.isEmpty()) {
            return null;
        }
        if (!trailingSlash && norm.size() > 1 && repo.topLevelDirs().containsAll(norm)) {
            return null; // "rcu/tracepoint": alternatives, not a path
        }
        return String.join("/", norm) + (trailingSlash ? "/" : "");
    }

    /** The violations among the citations: missing paths (unless git ignores them) and outside ones. */
    static List<Violation> judge(Repo repo, List<Citation> citations) {
        Set<String> missing = new LinkedHashSet<>();
        for (Citation c : citations) {
            if (!c.path().startsWith("../") && !repo.exists(c.path())) {
                missing.add(c.path());
            }
        }
        Set<String> ignored = ignoredByGit(repo.root(), missing);
        List<Violation> out = new ArrayList<>();
        for (Citation c : citations) {
            if (c.path().startsWith("../")) {
                out.add(new Violation(c.file(), c.line(), c.cited(), "outside the repository"));
            } else if (missing.contains(c.path()) && !ignored.contains(c.path())) {
                out.add(new Violation(c.file(), c.line(), c.cited(), "no such file or folder in the repository"));
            }
        }
        return out;
    }

    /** Which of the paths git ignores: build output such as target/ and .tp/, absent until a build. */
    static Set<String> ignoredByGit(Path root, Set<String> paths) {
        if (paths.isEmpty()) {
            return Set.of();
        }
        String input = String.join("\0", paths) + "\0";
        String out = git(root, input, "check-ignore", "--no-index", "--stdin", "-z");
        Set<String> ignored = new HashSet<>(Arrays.asList(out.split("\0")));
        ignored.remove("");
        return ignored;
    }

    /** Runs git in {@code dir}; exits 2 if git is missing or fails (check-ignore's exit 1 is "none"). */
    static String git(Path dir, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            boolean checkIgnoreNone = args[0].equals("check-ignore") && rc == 1;
            if (rc != 0 && !checkIgnoreNone) {
                System.err.println("check-cited-paths: `" + String.join(" ", command) + "` failed (exit " + rc
                        + "); run it inside a git checkout of the repository");
                System.exit(2);
            }
            return out;
        } catch (IOException e) {
            System.err.println("check-cited-paths: cannot run git (" + e.getMessage() + ")");
            System.exit(2);
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(2);
            return "";
        }
    }

    /**
     * good.md must pass: it cites real paths and every kind of non-path the check must leave alone.
     * bad.md must fail on exactly its lines marked {@link #EXPECT}, no more, no fewer.
     */
    static boolean selfTest(Repo repo, String fixtures) {
        String good = fixtures + "/good.md";
        String bad = fixtures + "/bad.md";
        for (String f : List.of(good, bad)) {
            if (!Files.isRegularFile(repo.root().resolve(f))) {
                System.out.println("check-cited-paths self-test: missing fixture " + f);
                return false;
            }
        }
        boolean ok = true;
        List<Citation> goodCitations = scan(repo.root(), good, repo);
        for (Violation v : judge(repo, goodCitations)) {
            System.out.println("check-cited-paths self-test: false alarm " + v);
            ok = false;
        }
        if (goodCitations.isEmpty()) {
            System.out.println("check-cited-paths self-test: " + good + " cites no repository path; it must cite some");
            ok = false;
        }
        TreeMap<Integer, String> expected = new TreeMap<>();
        String[] lines;
        try {
            lines = Files.readString(repo.root().resolve(bad)).split("\n", -1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(EXPECT)) {
                expected.put(i + 1, lines[i].strip());
            }
        }
        Set<Integer> flagged = new TreeSet<>();
        for (Violation v : judge(repo, scan(repo.root(), bad, repo))) {
            flagged.add(v.line());
            if (!expected.containsKey(v.line())) {
                System.out.println("check-cited-paths self-test: unexpected flag " + v);
                ok = false;
            }
        }
        for (var e : expected.entrySet()) {
            if (!flagged.contains(e.getKey())) {
                System.out.println(
                        "check-cited-paths self-test: missed " + bad + ":" + e.getKey() + ": " + e.getValue());
                ok = false;
            }
        }
        if (expected.isEmpty()) {
            System.out.println("check-cited-paths self-test: " + bad + " marks no line `" + EXPECT + "`");
            ok = false;
        }
        System.out.println(ok
                ? "check-cited-paths self-test: OK, " + expected.size() + " planted bad citations found, "
                        + goodCitations.size() + " good ones and every non-path left alone"
                : "check-cited-paths self-test: FAILED");
        return ok;
    }
}
