import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Builds Lucid's installers from the app's module jars: a jlinked runtime of the JDK modules the
 * app needs (with a class-data-sharing archive of their classes), a jpackage app-image whose
 * launcher runs the app's jars from its module path and has each user's first start archive the
 * app's classes too, then the host's package formats from that app-image.
 *
 * <p>Run by the {@code installers} Maven profile (see installers/README.md), as a Java source
 * program so that one code path serves Linux, Windows and macOS hosts:
 * <pre>
 *   java Packager.java --modules DIR --out DIR --version X.Y.Z --resources DIR
 *                      [--types app-image,deb,rpm]
 * </pre>
 */
public final class Packager {

    static final String NAME = "Lucid";
    static final String PACKAGE = "lucid";
    static final String MAIN = "lucid.app/lucid.app.Main";
    static final String DESCRIPTION = "Private LLM chat and model lab: runs GGUF models on your own machine.";
    static final String VENDOR = "Lucid";
    static final String URL = "https://github.com/lucid-llm/lucid";

    /**
     * JDK modules the app does not name in a module-info but needs at run time: jdk.localedata for
     * the zh_CN translation's number and date formats (only en and zh locales are kept).
     */
    static final List<String> EXTRA_MODULES = List.of("jdk.localedata");

    /**
     * What the engine and JavaFX need from the JVM; the ./lucid script passes the same. The heap may
     * grow to three quarters of the machine's memory (the JVM's default is a quarter): the KV cache
     * and repacked weights live there, and the engine checks a model against physical memory itself.
     */
    static final List<String> JVM_OPTIONS = List.of(
            "--enable-native-access=lucid.engine,javafx.graphics",
            "-Xss4m",
            "-XX:MaxRAMPercentage=75");

    private final Map<String, String> options;
    private final Host host = Host.current();
    private final Path out;
    private final Path modules;
    private final Path resources;
    private final String version;

    private Packager(Map<String, String> options) {
        this.options = options;
        this.out = Path.of(required("out")).toAbsolutePath();
        this.modules = Path.of(required("modules")).toAbsolutePath();
        this.resources = Path.of(required("resources")).toAbsolutePath();
        this.version = required("version");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 == args.length) {
                    throw new PackagingException("expected --option value pairs, got " + String.join(" ", args));
                }
                options.put(args[i].substring(2), args[i + 1]);
            }
            new Packager(options).run();
        } catch (PackagingException e) {
            System.err.println();
            System.err.println("installers: " + e.getMessage());
            System.exit(1);
        }
    }

    private String required(String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new PackagingException("missing --" + name);
        }
        return value;
    }

    private void run() throws Exception {
        List<String> types = types();
        // Check every tool first: a missing rpmbuild should not cost a five-minute build to learn.
        for (String type : types) {
            host.checkTools(type);
        }
        long start = System.nanoTime();
        Path iconDir = out.resolve("icons");
        Icons icons = Icons.fromJars(modules, iconDir);
        Path runtime = out.resolve("runtime");
        jlink(runtime);
        Path appImageDir = out.resolve("app-image");
        Path app = appImage(appImageDir, icons);
        Path installers = out.resolve("installers");
        deleteTree(installers);  // only this build's installers, never a stale one from an earlier build
        for (String type : types) {
            if (!type.equals("app-image")) {
                packageFrom(app, type, installers, icons);
            }
        }
        System.out.printf("installers: done in %.0f s%n", (System.nanoTime() - start) / 1e9);
        System.out.println("  app-image: " + app);
        if (Files.isDirectory(installers)) {
            try (Stream<Path> files = Files.list(installers)) {
                for (Path f : files.sorted().toList()) {
                    System.out.printf("  %s (%,d bytes)%n", f, Files.size(f));
                }
            }
        }
    }

    private List<String> types() {
        String requested = options.getOrDefault("types", "auto");
        if (requested.equals("auto")) {
            return host.defaultTypes();
        }
        List<String> types = new ArrayList<>();
        for (String t : requested.split(",")) {
            String type = t.strip();
            if (!host.canEverBuild(type)) {
                throw new PackagingException("a " + host.name() + " host cannot build ." + type
                        + " installers; it builds " + String.join(", ", host.defaultTypes()));
            }
            types.add(type);
        }
        if (!types.contains("app-image")) {
            types.addFirst("app-image");  // every package is made from the app-image
        }
        return types;
    }

    /**
     * The runtime: only the JDK modules the app needs, with jlink's CDS archive of their classes. The
     * app's own jars (Lucid, JavaFX and libraries, some of them automatic modules such as Jinjava,
     * which jlink cannot link) go on the launcher's module path inside the app-image instead. JavaFX's
     * native libraries are copied where the JDK keeps its own, which JavaFX looks at first, so it
     * never extracts them into the user's home.
     */
    private void jlink(Path runtime) throws IOException {
        deleteTree(runtime);
        ModuleSet set = ModuleSet.resolve(modules);
        System.out.println("installers: jlink " + set.describe());
        List<String> args = new ArrayList<>(List.of(
                "--add-modules", String.join(",", set.jdkModulesWith(EXTRA_MODULES)),
                "--include-locales", "en,zh",
                "--generate-cds-archive",
                "--strip-debug", "--no-header-files", "--no-man-pages",
                "--output", runtime.toString()));
        runTool("jlink", args);
        Path nativeDir = runtime.resolve(host.isWindows() ? "bin" : "lib");
        int copied = 0;
        for (Path jar : set.jars()) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (var entry : zip.stream().toList()) {
                    String name = entry.getName();
                    if (!name.contains("/") && host.isNativeLibrary(name)) {
                        try (var in = zip.getInputStream(entry)) {
                            Files.copy(in, nativeDir.resolve(name));
                        }
                        copied++;
                    }
                }
            }
        }
        if (copied == 0) {
            throw new PackagingException("no JavaFX native libraries for " + host.name()
                    + " in " + modules + ": is the javafx classifier right for this host?");
        }
        System.out.printf("installers: runtime %s (%d native libraries, %,d bytes)%n",
                runtime, copied, treeSize(runtime));
    }

    private Path appImage(Path dest, Icons icons) throws IOException {
        deleteTree(dest);
        List<String> args = new ArrayList<>(List.of(
                "--type", "app-image",
                "--name", NAME,
                "--dest", dest.toString(),
                "--runtime-image", out.resolve("runtime").toString(),
                "--module-path", modules.toString(),
                "--module", MAIN,
                "--app-version", version,
                "--vendor", VENDOR,
                "--description", DESCRIPTION,
                "--copyright", "Copyright the Lucid authors",
                "--icon", icons.forHost(host).toString()));
        for (String option : JVM_OPTIONS) {
            args.addAll(List.of("--java-options", option));
        }
        // Class-data sharing of the app's own classes: the JVM cannot use an archive made at build
        // time once the app's jars are installed elsewhere (it checks the module path's locations), so
        // each user's first start writes one into their cache folder. lucid.cds.archive tells the app
        // to create that folder (the JVM does not) and to keep the archive one of the window's starts.
        String archive = host.userArchive(version);
        args.addAll(List.of("--java-options", "-XX:+AutoCreateSharedArchive",
                "--java-options", "-XX:SharedArchiveFile=" + archive,
                "--java-options", "-Dlucid.cds.archive=" + archive,
                // Writing the archive logs a warning per class it cannot take, on stdout, where a
                // command-line run's output goes: the archive is a cache, its log is not the user's business.
                "--java-options", "-Xlog:cds*=off,aot*=off"));
        // ui-resources holds only resources, so no module requires it: resolve every module shipped.
        args.addAll(List.of("--java-options", "--add-modules=ALL-MODULE-PATH"));
        if (host.isWindows()) {
            // A console launcher for the command line; Lucid.exe itself opens no console window.
            args.addAll(List.of("--add-launcher", "lucid-cli=" + resources.resolve("windows/lucid-cli.properties")));
        }
        if (host.isMac()) {
            args.addAll(List.of("--mac-package-identifier", "dev.lucid.app", "--mac-package-name", NAME));
            args.addAll(Signing.macArgs());
        }
        runTool("jpackage", args);
        return host.appImageRoot(dest);
    }

    private void packageFrom(Path app, String type, Path dest, Icons icons) throws IOException {
        Files.createDirectories(dest);
        List<String> args = new ArrayList<>(List.of(
                "--type", type,
                "--app-image", app.toString(),
                "--name", NAME,
                "--app-version", version,
                "--vendor", VENDOR,
                "--description", DESCRIPTION,
                "--about-url", URL,
                "--dest", dest.toString(),
                "--file-associations", resources.resolve("gguf.properties").toString()));
        switch (type) {
            case "deb", "rpm" -> {
                args.addAll(List.of(
                        "--resource-dir", stagedResources("linux", icons).toString(),
                        "--linux-package-name", PACKAGE,
                        "--install-dir", "/opt",
                        "--linux-menu-group", "Development;Science",
                        "--linux-shortcut",
                        "--icon", icons.forHost(host).toString()));
                if (type.equals("deb")) {
                    args.addAll(List.of("--linux-deb-maintainer", "lucid@users.noreply.github.com",
                            "--linux-app-category", "devel"));
                } else {
                    args.addAll(List.of("--linux-rpm-license-type", "Proprietary",
                            "--linux-app-category", "Development/Tools"));
                }
            }
            case "msi" -> args.addAll(List.of(
                    "--resource-dir", stagedResources("windows", icons).toString(),
                    "--win-menu", "--win-menu-group", NAME,
                    "--win-shortcut", "--win-dir-chooser",
                    // Fixed forever: it is how Windows knows a new .msi upgrades an installed Lucid.
                    "--win-upgrade-uuid", "6f3e2a0c-8d1b-4c57-9a4e-2b7d5c1e9f30",
                    "--icon", icons.forHost(host).toString()));
            case "dmg" -> {
                args.addAll(List.of("--mac-package-identifier", "dev.lucid.app", "--mac-package-name", NAME,
                        "--icon", icons.forHost(host).toString()));
                args.addAll(Signing.macArgs());
            }
            default -> throw new PackagingException("unknown installer type " + type);
        }
        System.out.println("installers: jpackage --type " + type);
        runTool("jpackage", args);
    }

    /**
     * The jpackage resource folder for one OS: our templates with @LUCID_HOME@ (the install folder)
     * filled in, and the icon under the launcher's name, the only place jpackage takes it from when
     * it packages an existing app-image.
     */
    private Path stagedResources(String os, Icons icons) throws IOException {
        Path staged = out.resolve("jpackage-resources").resolve(os);
        deleteTree(staged);
        Files.createDirectories(staged);
        try (Stream<Path> files = Files.list(resources.resolve(os))) {
            for (Path f : files.toList()) {
                String text = Files.readString(f).replace("@LUCID_HOME@", "/opt/" + PACKAGE);
                Files.writeString(staged.resolve(f.getFileName()), text);
            }
        }
        Path icon = icons.forHost(host);
        String iconName = icon.getFileName().toString();
        Files.copy(icon, staged.resolve(NAME + iconName.substring(iconName.lastIndexOf('.'))));
        return staged;
    }

    static void runTool(String name, List<String> args) {
        ToolProvider tool = ToolProvider.findFirst(name).orElseThrow(() -> new PackagingException(
                name + " is not in this JDK (" + System.getProperty("java.home") + "); build with a full JDK 25"));
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text, true);
        long start = System.nanoTime();
        int code = tool.run(w, w, args.toArray(String[]::new));
        String output = text.toString().strip();
        System.out.printf("installers: %s %s took %.1f s%n", name, args.getFirst().equals("--type") ? args.get(1) : "",
                (System.nanoTime() - start) / 1e9);
        if (code != 0) {
            throw new PackagingException(name + " failed (exit " + code + "):\n  " + name + " "
                    + String.join(" ", args) + "\n" + output);
        }
        output.lines()
                .filter(l -> !l.isBlank() && !l.contains("Using incubator modules"))
                .forEach(l -> System.out.println("  " + name + ": " + l));
    }

    static long treeSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /**
     * The app's jars and the JDK modules they need: every module in the jars (automatic ones too) is a
     * root, as the launcher's ALL-MODULE-PATH makes them, and the JDK modules the resolved graph
     * reaches are what the runtime must hold.
     */
    record ModuleSet(List<Path> jars, Set<String> appModules, Set<String> jdkModules) {

        static ModuleSet resolve(Path dir) throws IOException {
            List<Path> jars;
            try (Stream<Path> files = Files.list(dir)) {
                jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            }
            ModuleFinder appFinder = ModuleFinder.of(jars.toArray(Path[]::new));
            Set<String> appModules = new TreeSet<>();
            for (ModuleReference ref : appFinder.findAll()) {
                appModules.add(ref.descriptor().name());
            }
            Configuration graph;
            try {
                graph = Configuration.empty().resolve(ModuleFinder.ofSystem(), appFinder, appModules);
            } catch (java.lang.module.FindException | java.lang.module.ResolutionException e) {
                throw new PackagingException("cannot resolve the app's modules: " + e.getMessage());
            }
            if (!appModules.contains("lucid.app")) {
                throw new PackagingException("no lucid.app module in " + dir + ": build the app first");
            }
            Set<String> jdk = new TreeSet<>();
            for (ResolvedModule m : graph.modules()) {
                if (!appModules.contains(m.name())) {
                    jdk.add(m.name());
                }
            }
            return new ModuleSet(jars, appModules, jdk);
        }

        List<String> jdkModulesWith(List<String> extra) {
            Set<String> all = new TreeSet<>(jdkModules);
            all.addAll(extra);
            return List.copyOf(all);
        }

        String describe() {
            return String.join(", ", jdkModulesWith(EXTRA_MODULES)) + " (the app's " + appModules.size()
                    + " modules go on the launcher's module path)";
        }
    }

    static final class PackagingException extends RuntimeException {
        PackagingException(String message) {
            super(message);
        }
    }
}
