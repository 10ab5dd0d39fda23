package lucid.engine.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.VectorSupport;

/**
 * A model gives the same logits, bit for bit, before and after the JIT has compiled the engine. Two
 * JVMs run the prompt and four greedy tokens of synthetic models: one limited to the first compiler,
 * which runs the Vector API as its Java code lane by lane, runs each model once; the other compiles
 * with C2 alone after a hundred calls and runs the models several times, the last run on C2's code.
 * Sums of lanes in an order left to the compiler, or the Vector API's exp (a vector math library in
 * C2, {@link Math#exp} per lane before), made them differ in the last bits, and the difference grew
 * through the layers: a user's first reply after loading a model could differ from the same request
 * later.
 */
class SameBitsColdAndWarmTest {

    // SwiGLU and a softmax (llama), GeGLU with soft-capped scores (gemma2), experts (qwen3moe); the
    // 8-bit activation kernels (Q4_K) and the float ones (F16).
    private static final String[] ARCHITECTURES = {"llama", "gemma2", "qwen3moe"};
    private static final GgmlType[] TYPES = {GgmlType.Q4_K, GgmlType.F16};

    @TempDir
    Path dir;

    /** Runs the models at {@code args[1..]} {@code args[0]} times, then prints the last run's hashes: {@code name hash}. */
    public static void main(String[] args) throws IOException {
        int runs = Integer.parseInt(args[0]);
        try (Engine engine = Engine.create(2)) {
            String[] last = new String[args.length - 1];
            for (int run = 0; run < runs; run++) {
                for (int m = 1; m < args.length; m++) {
                    last[m - 1] = Path.of(args[m]).getFileName() + " " + hash(engine, Path.of(args[m]));
                }
            }
            for (String line : last) {
                System.out.println(line);
            }
        }
    }

    private static String hash(Engine engine, Path path) throws IOException {
        try (LoadedModel model = engine.load(path)) {
            int h = 1;
            for (float[] row : SyntheticModelTest.run(model)) {
                h = 31 * h + Arrays.hashCode(row);
            }
            return Integer.toHexString(h);
        }
    }

    private static List<String> runInJvm(List<Path> models, int runs, String... compilerFlags) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m"));
        command.addAll(List.of(compilerFlags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        for (String property : List.of(VectorSupport.BITS_PROPERTY, VectorSupport.ENABLED_PROPERTY)) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.add(SameBitsColdAndWarmTest.class.getName());
        command.add(Integer.toString(runs));
        models.forEach(p -> command.add(p.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), output);
        assertEquals(0, child.exitValue(), output);
        List<String> lines = output.lines().filter(l -> l.contains(".gguf ")).toList();
        assertEquals(models.size(), lines.size(), output);
        return lines;
    }

    @Test
    void logitsAreTheSameColdAsWarm() throws Exception {
        List<Path> models = new ArrayList<>();
        for (String arch : ARCHITECTURES) {
            for (GgmlType type : TYPES) {
                SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named(arch), SyntheticPreset.TINY, type);
                Path path = dir.resolve(arch + "-" + type + ".gguf");
                m.write(path, 11, null);
                models.add(path);
            }
        }
        List<String> cold = runInJvm(models, 1, "-XX:TieredStopAtLevel=1");
        List<String> warm = runInJvm(models, 4, "-XX:-TieredCompilation", "-XX:CompileThreshold=100");
        assertEquals(String.join("\n", cold), String.join("\n", warm), "first compiler only, against C2 after warming");
    }
}
