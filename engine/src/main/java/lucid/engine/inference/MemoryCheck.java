package lucid.engine.inference;

import java.lang.management.ManagementFactory;

/**
 * Refuses allocations that cannot fit, with a message, before the JVM fails with an OutOfMemoryError
 * halfway through a load.
 */
final class MemoryCheck {
    private MemoryCheck() {
    }

    /** Heap the JVM may still grow to use. */
    static long availableHeapBytes() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Physical memory of the machine, or -1 when the platform does not say. */
    static long physicalMemoryBytes() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    static void requireAvailable(long heapBytes, String what) {
        long available = availableHeapBytes();
        if (heapBytes > available) {
            throw new InsufficientMemoryException(what + " needs " + mib(heapBytes) + " MiB of memory, but only "
                    + mib(available) + " MiB are available to Lucid; use a shorter context or a smaller model");
        }
    }

    static void requireWeightsFit(long weightBytes, String what) {
        long physical = physicalMemoryBytes();
        if (physical > 0 && weightBytes > physical) {
            throw new InsufficientMemoryException(what + " has " + mib(weightBytes) + " MiB of weights, more than this "
                    + "machine's " + mib(physical) + " MiB of memory; choose a smaller quantization");
        }
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }
}
