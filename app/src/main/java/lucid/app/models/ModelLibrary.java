package lucid.app.models;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The GGUF files the user can pick from: recent ones and those found in the models folder. */
public final class ModelLibrary {
    private ModelLibrary() {
    }

    /** GGUF files under {@code folder} (three levels deep, as hub downloads nest), sorted by path. */
    public static List<Path> scan(Path folder) {
        if (folder == null || !Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder, 3, FileVisitOption.FOLLOW_LINKS)) {
            return files.filter(p -> p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf"))
                    .filter(Files::isRegularFile).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of(); // an unreadable folder lists nothing; the settings show which folder it is
        }
    }

    /** Recent paths that still exist, then scanned ones not already listed. */
    public static List<Path> candidates(List<String> recent, Path folder) {
        List<Path> out = new ArrayList<>();
        for (String r : recent) {
            Path p = Path.of(r);
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        for (Path p : scan(folder)) {
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }
}
