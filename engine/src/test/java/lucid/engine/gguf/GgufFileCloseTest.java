package lucid.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A GgufFile owns its mapping: close() releases it, and nothing handed out outlives it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GgufFileCloseTest {

    @TempDir
    Path dir;

    @Test
    void segmentsDieWithTheFile() throws IOException {
        Path path = Files.copy(SharedFixtures.file("models/stories260k.gguf"), dir.resolve("stories260k.gguf"));
        GgufFile f = GgufFile.open(path);
        GgufTensorInfo t = f.tensors().getFirst();
        MemorySegment data = f.tensorData(t);
        float first = data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
        assertTrue(f.isOpen());

        f.close();
        assertFalse(f.isOpen());
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.tensorData(t));
        assertTrue(e.getMessage().contains("stories260k.gguf is closed"), e.getMessage());
        f.close(); // twice is fine

        assertEquals(t, f.tensors().getFirst(), "the header stays readable: it is on the heap");
        try (GgufFile again = GgufFile.open(path)) {
            assertEquals(first, again.tensorData(t).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        }
    }

    /** 500 opens and closes leave no mapping behind (checked in /proc/self/maps where there is one). */
    @Test
    void openingAndClosingRepeatedlyDoesNotLeak() throws IOException {
        Path path = Files.copy(SharedFixtures.file("models/stories260k.gguf"), dir.resolve("leak-check.gguf"));
        for (int i = 0; i < 500; i++) {
            try (GgufFile f = GgufFile.open(path)) {
                assertEquals(48, f.tensors().size());
                f.tensorData(f.tensors().getLast()).get(ValueLayout.JAVA_BYTE, 0);
                if (i == 0) {
                    assertTrue(mappingsOf(path) != 0, "an open file is mapped");
                }
            }
        }
        int left = mappingsOf(path);
        assertTrue(left <= 0, left + " mappings of the file are left");
    }

    /** Lines of /proc/self/maps that map {@code path}, or -1 where that file does not exist. */
    private static int mappingsOf(Path path) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return -1;
        }
        String name = path.toRealPath().toString();
        try (var lines = Files.lines(maps)) {
            return (int) lines.filter(l -> l.endsWith(name)).count();
        }
    }
}
