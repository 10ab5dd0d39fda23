import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writes the app-image's class-data-sharing archive: a static archive of the classes that one start
 * of the window loads (JDK, JavaFX and Lucid), with a model when one is given. The launcher maps it
 * with -XX:SharedArchiveFile=$APPDIR/lucid.jsa.
 *
 * <p>Two runs of the app-image's own runtime, with the launcher's JVM options so that the archive
 * also keeps the resolved module graph: one writes the class list, the other (-Xshare:dump) the
 * archive. All modules live in the runtime's jimage, which CDS identifies by module rather than by
 * file path, so the archive stays valid wherever the app-image is installed. A Linux host without a
 * display trains under xvfb-run, or with JavaFX's headless platform when Xvfb is not installed.
 */
record CdsTraining(Host host, Path appImage, String model) {

    void train() throws IOException, InterruptedException {
        Path archive = host.appDir(appImage).resolve(Packager.CDS_ARCHIVE);
        Path classList = appImage.resolveSibling("lucid.classlist");
        Files.deleteIfExists(archive);
        Files.deleteIfExists(classList);
        String java = host.runtimeJava(appImage).toString();

        List<String> wrapper = displayWrapper();
        List<String> training = new ArrayList<>(wrapper);
        training.add(java);
        training.addAll(Packager.JVM_OPTIONS);
        training.add("-XX:DumpLoadedClassList=" + classList);
        if (wrapper.isEmpty() && host.isLinux() && !hasDisplay()) {
            training.addAll(List.of("-Dglass.platform=Headless", "-Dprism.order=sw"));
            System.out.println("installers: no display and no xvfb-run: training the CDS archive with"
                    + " JavaFX's headless platform (GTK classes will load from the jimage at run time)");
        }
        training.addAll(List.of("-m", Packager.MAIN));
        if (model != null && !model.isBlank() && Files.isRegularFile(Path.of(model))) {
            training.addAll(List.of("--model", model));
        } else {
            System.out.println("installers: no training model at " + model
                    + "; the CDS archive covers the window but not model loading");
        }
        training.add("--exit");
        System.out.println("installers: CDS class list from one start: " + String.join(" ", training));
        String output = run(training, null);
        if (!Files.isRegularFile(classList)) {
            throw new Packager.PackagingException("the CDS training run wrote no class list at " + classList + ":\n" + output);
        }

        List<String> dump = new ArrayList<>(List.of(java));
        dump.addAll(Packager.JVM_OPTIONS);
        dump.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList,
                "-XX:SharedArchiveFile=" + archive, "-m", Packager.MAIN));
        run(dump, null);
        Files.delete(classList);

        // The launcher must map it: with -Xshare:on a JVM that cannot use its archive refuses to
        // start, and a mismatch of module options is logged as a CDS error.
        String check = run(List.of(host.launcher(appImage).toString(), "version"), "-Xshare:on -Xlog:cds=error");
        if (check.contains("[error")) {
            throw new Packager.PackagingException("the launcher does not fully use " + archive + ":\n" + check);
        }
        System.out.printf("installers: CDS archive %s (%,d bytes), mapped by the launcher%n",
                archive, Files.size(archive));
    }

    private static boolean hasDisplay() {
        return System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null;
    }

    private List<String> displayWrapper() {
        if (!host.isLinux() || hasDisplay()) {
            return List.of();
        }
        Path xvfb = Host.onPath("xvfb-run");
        return xvfb == null ? List.of() : List.of(xvfb.toString(), "-a");
    }

    /** Runs a command (with JAVA_TOOL_OPTIONS when given), failing with its output when it fails. */
    private static String run(List<String> command, String javaToolOptions) throws IOException, InterruptedException {
        Path log = Files.createTempFile("lucid-installers", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (javaToolOptions != null) {
            pb.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        boolean finished = p.waitFor(180, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        byte[] bytes = Files.readAllBytes(log);
        Files.delete(log);
        if (!finished) {
            throw new Packager.PackagingException("timed out after 180 s: " + String.join(" ", command)
                    + ":\n" + new String(bytes, StandardCharsets.UTF_8));
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new Packager.PackagingException("exit " + p.exitValue() + " from " + String.join(" ", command)
                    + (javaToolOptions == null ? "" : " (JAVA_TOOL_OPTIONS=" + javaToolOptions + ")") + ":\n" + output);
        }
        return output;
    }
}
