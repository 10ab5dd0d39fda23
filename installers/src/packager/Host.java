import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** What the build machine is, which installer types it can make, and the tools each one needs. */
record Host(String name) {

    static Host current() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return new Host("windows");
        }
        if (os.startsWith("mac")) {
            return new Host("macos");
        }
        return new Host("linux");
    }

    boolean isWindows() {
        return name.equals("windows");
    }

    boolean isMac() {
        return name.equals("macos");
    }

    boolean isLinux() {
        return name.equals("linux");
    }

    List<String> defaultTypes() {
        return switch (name) {
            case "windows" -> List.of("app-image", "msi");
            case "macos" -> List.of("app-image", "dmg");
            default -> List.of("app-image", "deb", "rpm");
        };
    }

    boolean canEverBuild(String type) {
        return defaultTypes().contains(type);
    }

    boolean isNativeLibrary(String fileName) {
        return switch (name) {
            case "windows" -> fileName.endsWith(".dll");
            case "macos" -> fileName.endsWith(".dylib");
            default -> fileName.endsWith(".so");
        };
    }

    /** Fails, naming the package to install, when a tool jpackage calls for this type is missing. */
    void checkTools(String type) {
        switch (type) {
            case "deb" -> {
                need("dpkg-deb", "it comes with dpkg, the Debian/Ubuntu package manager", type);
                need("fakeroot", "Debian/Ubuntu: apt-get install fakeroot", type);
            }
            case "rpm" -> need("rpmbuild", "Debian/Ubuntu: apt-get install rpm; Fedora: dnf install rpm-build", type);
            case "msi" -> {
                if (onPath("wix") == null && (onPath("candle") == null || onPath("light") == null)) {
                    throw new Packager.PackagingException(".msi needs the WiX Toolset (wix.exe 4+, or candle.exe"
                            + " and light.exe 3.x) on PATH: https://wixtoolset.org; or build only"
                            + " -Dlucid.installer.types=app-image");
                }
            }
            case "dmg" -> need("hdiutil", "part of macOS", type);
            default -> {
            }
        }
    }

    private void need(String tool, String how, String type) {
        if (onPath(tool) == null) {
            throw new Packager.PackagingException("." + type + " needs `" + tool + "`, which is not on PATH ("
                    + how + "); or leave ." + type + " out: -Dlucid.installer.types="
                    + String.join(",", defaultTypes().stream().filter(t -> !t.equals(type)).toList()));
        }
    }

    static Path onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            for (String suffix : new String[] {"", ".exe", ".cmd", ".bat"}) {
                Path candidate = Path.of(dir, tool + suffix);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** The folder jpackage made for the app inside {@code dest}: Lucid/ or Lucid.app/. */
    Path appImageRoot(Path dest) {
        return dest.resolve(isMac() ? Packager.NAME + ".app" : Packager.NAME);
    }

    /** Where jpackage's launcher expands $APPDIR: the folder with the app's .cfg file. */
    Path appDir(Path appImage) {
        return switch (name) {
            case "windows" -> appImage.resolve("app");
            case "macos" -> appImage.resolve("Contents/app");
            default -> appImage.resolve("lib/app");
        };
    }

    /**
     * Where each user's class-data-sharing archive of the app goes, as the launcher writes it in its
     * .cfg file: jpackage's launcher expands environment variables there (JDK 25), so this is the
     * user's cache folder. The JVM writes the archive when the first start exits
     * ({@code -XX:+AutoCreateSharedArchive}) and maps it on every later start.
     */
    String userArchive(String version) {
        String file = "lucid-" + version + ".jsa";
        return switch (name) {
            case "windows" -> "$LOCALAPPDATA\\Lucid\\cache\\" + file;
            case "macos" -> "$HOME/Library/Caches/Lucid/" + file;
            default -> "$HOME/.cache/lucid/" + file;
        };
    }

    /** The java executable of the runtime inside an app-image. */
    Path runtimeJava(Path appImage) throws IOException {
        Path runtime = switch (name) {
            case "windows" -> appImage.resolve("runtime");
            case "macos" -> appImage.resolve("Contents/runtime/Contents/Home");
            default -> appImage.resolve("lib/runtime");
        };
        Path java = runtime.resolve(isWindows() ? "bin/java.exe" : "bin/java");
        if (!Files.isExecutable(java)) {
            try (Stream<Path> files = Files.walk(appImage)) {
                throw new Packager.PackagingException("no java launcher in the app-image's runtime at " + java
                        + " (found " + files.count() + " files under " + appImage + ")");
            }
        }
        return java;
    }

    /** The app's own launcher inside an app-image. */
    Path launcher(Path appImage) {
        return switch (name) {
            case "windows" -> appImage.resolve(Packager.NAME + ".exe");
            case "macos" -> appImage.resolve("Contents/MacOS/" + Packager.NAME);
            default -> appImage.resolve("bin/" + Packager.NAME);
        };
    }
}
