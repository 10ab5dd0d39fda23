package lucid.tests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;

/**
 * A measurement, not a test: how long the attention heatmap's capture of one layer (all heads) takes
 * for a 1,000-token conversation, on stories260k and on a random-weight model of Qwen2.5-0.5B's shape
 * (written by {@code lucid lab synth} into a temporary folder). Prints the numbers and writes them to
 * {@code target/attention-capture.txt}; asserts nothing about time. Runs only when asked:
 * {@code ./mvnw -o -pl tests -am verify -Dtest=AttentionCaptureMeasurement -Dlucid.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "lucid.measure", matches = "true")
class AttentionCaptureMeasurement {

    private static final int TOKENS = 1000;
    private static final int REPS = 3;

    @TempDir
    Path dir;

    @Test
    void measure() throws Exception {
        StringBuilder report = new StringBuilder();
        report.append(one("stories260k (F32)", SharedFixtures.file("models/stories260k.gguf")));
        Path qwen = dir.resolve("qwen2.5-0.5b-q8_0.gguf");
        CliTest.Run r = CliTest.lucid("lab", "synth", "--arch", "qwen2", "--preset", "qwen2.5-0.5b", "--type", "Q8_0",
                "--out", qwen.toString());
        if (r.code() != 0) {
            throw new IllegalStateException("lab synth failed: " + r.err());
        }
        report.append(one("qwen2.5-0.5b shape (Q8_0, synthetic)", qwen));
        System.out.print(report);
        Path out = Path.of("target", "attention-capture.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report, StandardCharsets.UTF_8);
    }

    private static String one(String name, Path file) throws Exception {
        try (Engine engine = Engine.create(Runtime.getRuntime().availableProcessors());
             LoadedModel model = engine.load(file)) {
            Random random = new Random(7);
            int[] tokens = new int[TOKENS];
            tokens[0] = 1;
            for (int i = 1; i < TOKENS; i++) {
                tokens[i] = 3 + random.nextInt(Math.min(model.config().vocabSize(), 30000) - 3);
            }
            int[] heads = new int[model.config().headCount()];
            Arrays.setAll(heads, h -> h);
            long[] ms = new long[REPS];
            for (int rep = 0; rep < REPS; rep++) {
                long t0 = System.nanoTime();
                AttentionCapture.capture(model, tokens, new int[] {0}, heads, null);
                ms[rep] = (System.nanoTime() - t0) / 1_000_000;
            }
            long[] sorted = ms.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT, "%s: capture of layer 0, %d heads, %d tokens: median %d ms (runs %s), %d threads%n",
                    name, heads.length, TOKENS, sorted[REPS / 2], Arrays.toString(ms), Runtime.getRuntime().availableProcessors());
        }
    }
}
