package lucid.engine.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How many physical cores this machine has. Token generation is memory-bound, and two hyperthreads
 * of one core share its load ports: more threads than physical cores only adds contention, so the
 * default thread count is the physical core count.
 */
public final class CpuTopology {

    private CpuTopology() {
    }

    /** Physical cores the JVM may use; falls back to the logical count where the OS does not say. */
    public static int physicalCores() {
        int logical = Runtime.getRuntime().availableProcessors();
        int physical = linuxPhysicalCores(Path.of("/sys/devices/system/cpu"));
        if (physical <= 0) {
            return logical;
        }
        // A container may limit the JVM to fewer CPUs than the machine has cores.
        return Math.max(1, Math.min(physical, logical));
    }

    /**
     * Counts distinct sibling sets in {@code cpu*\/topology/thread_siblings_list} under {@code root}
     * (one per physical core); -1 when the files are not there (not Linux).
     */
    static int linuxPhysicalCores(Path root) {
        if (!Files.isDirectory(root)) {
            return -1;
        }
        Set<String> cores = new HashSet<>();
        try (var dirs = Files.list(root)) {
            List<Path> cpus = dirs.filter(p -> p.getFileName().toString().matches("cpu\\d+")).toList();
            for (Path cpu : cpus) {
                Path siblings = cpu.resolve("topology/thread_siblings_list");
                if (Files.isReadable(siblings)) {
                    cores.add(Files.readString(siblings).strip());
                }
            }
        } catch (IOException | SecurityException e) {
            return -1;
        }
        return cores.isEmpty() ? -1 : cores.size();
    }
}
