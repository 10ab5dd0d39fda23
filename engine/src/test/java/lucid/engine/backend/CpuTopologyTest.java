package lucid.engine.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuTopologyTest {

    static void cpu(Path root, int n, String siblings) throws IOException {
        Path topology = Files.createDirectories(root.resolve("cpu" + n).resolve("topology"));
        Files.writeString(topology.resolve("thread_siblings_list"), siblings + "\n");
    }

    @Test
    void hyperthreadsOfOneCoreCountOnce(@TempDir Path root) throws IOException {
        // 4 cores with 2 threads each, numbered as Linux does on Intel: cpu n and n+4 are siblings.
        for (int n = 0; n < 8; n++) {
            cpu(root, n, (n % 4) + "," + (n % 4 + 4));
        }
        Files.createDirectories(root.resolve("cpufreq"));
        assertEquals(4, CpuTopology.linuxPhysicalCores(root));
    }

    @Test
    void noHyperthreading(@TempDir Path root) throws IOException {
        for (int n = 0; n < 3; n++) {
            cpu(root, n, Integer.toString(n));
        }
        assertEquals(3, CpuTopology.linuxPhysicalCores(root));
    }

    @Test
    void unknownTopologyFallsBack(@TempDir Path root) {
        assertEquals(-1, CpuTopology.linuxPhysicalCores(root.resolve("missing")));
        assertEquals(-1, CpuTopology.linuxPhysicalCores(root));
        int cores = CpuTopology.physicalCores();
        assertTrue(cores >= 1 && cores <= Runtime.getRuntime().availableProcessors());
    }
}
