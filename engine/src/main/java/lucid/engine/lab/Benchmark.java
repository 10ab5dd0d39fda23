package lucid.engine.lab;

import java.util.Arrays;
import java.util.SplittableRandom;

import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Distribution;

/**
 * Prompt-processing and generation speed of a loaded model, and how close generation comes to the
 * machine's memory-bandwidth ceiling: a decode step must read every weight once, so tokens/s can
 * never exceed (bandwidth) / (bytes of weights per token).
 */
public final class Benchmark {

    /**
     * @param promptTokens    tokens in the timed prompt (pp)
     * @param generateTokens  tokens generated per repetition (tg)
     * @param repetitions     timed repetitions; medians are reported
     * @param bandwidthBytes  size of the bandwidth probe's buffer (0 skips the probe)
     */
    public record Settings(int promptTokens, int generateTokens, int repetitions, long bandwidthBytes,
                           boolean probabilityProbe) {
        public Settings(int promptTokens, int generateTokens, int repetitions, long bandwidthBytes) {
            this(promptTokens, generateTokens, repetitions, bandwidthBytes, false);
        }

        public Settings {
            if (promptTokens < 1 || generateTokens < 1 || repetitions < 1) {
                throw new IllegalArgumentException("prompt tokens, generated tokens and repetitions must be positive");
            }
        }
    }

    /**
     * All speeds in tokens per second.
     *
     * @param bytesPerToken  bytes of weights read to generate one token
     * @param bandwidth      measured memory read bandwidth, bytes/s (0 if not measured)
     * @param probedTps      generation speed with top-20 token probabilities recorded per token (0 if not run)
     * @param computeFlops   measured float multiply-add rate of the threads, FLOP/s (0 if not measured)
     * @param promptFlopsPerToken floating-point operations of the prompt's forward pass per prompt token
     */
    public record Result(int threads, int promptTokens, int generateTokens, int repetitions, double loadMillis,
                         double promptTps, double generateTps, double generateTpsMin, double generateTpsMax,
                         long bytesPerToken, double bandwidth, double probedTps, double computeFlops,
                         double promptFlopsPerToken) {

        /** Prompt tokens/s if every core did nothing but multiply-adds: prompt processing's ceiling. */
        public double promptCeilingTps() {
            return computeFlops <= 0 || promptFlopsPerToken <= 0 ? 0 : computeFlops / promptFlopsPerToken;
        }

        public double promptCeilingFraction() {
            double c = promptCeilingTps();
            return c <= 0 ? 0 : promptTps / c;
        }

        /** Fraction of generation speed the probability probe costs (0.03 = 3% slower). */
        public double probeOverhead() {
            return probedTps <= 0 ? 0 : 1 - probedTps / generateTps;
        }

        public double ceilingTps() {
            return bandwidth <= 0 ? 0 : bandwidth / bytesPerToken;
        }

        public double ceilingFraction() {
            double c = ceilingTps();
            return c <= 0 ? 0 : generateTps / c;
        }
    }

    private Benchmark() {
    }

    public static Result run(LoadedModel model, Settings s) {
        int vocab = model.config().vocabSize();
        int ctx = s.promptTokens() + s.generateTokens() + 1;
        if (ctx > model.config().contextLength()) {
            throw new IllegalArgumentException("prompt + generated tokens (" + (ctx - 1) + ") exceed the model's context of "
                    + model.config().contextLength());
        }
        // Random token ids, fixed seed: the speed of a forward pass does not depend on which tokens.
        SplittableRandom random = new SplittableRandom(1234);
        int[] prompt = new int[s.promptTokens()];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = random.nextInt(vocab);
        }
        double[] pp = new double[s.repetitions()];
        double[] tg = new double[s.repetitions()];
        double[] probed = new double[s.repetitions()];
        Distribution distribution = new Distribution(model.tokenizer(), Distribution.MAX_TOP_K);
        try (InferenceSession session = model.newSession(ctx)) {
            // One untimed round of the same shape so the JIT has compiled the hot loops before timing:
            // prompts run batched and generation one token at a time, two different sets of kernels.
            session.prefill(prompt);
            for (int i = 0; i < s.generateTokens(); i++) {
                session.step(1);
            }
            for (int r = 0; r < s.repetitions(); r++) {
                session.reset();
                long t0 = System.nanoTime();
                float[] logits = session.prefill(prompt);
                long t1 = System.nanoTime();
                pp[r] = prompt.length * 1e9 / (t1 - t0);

                int token = argmax(logits);
                long t2 = System.nanoTime();
                for (int i = 0; i < s.generateTokens(); i++) {
                    token = argmax(session.step(token));
                }
                long t3 = System.nanoTime();
                tg[r] = s.generateTokens() * 1e9 / (t3 - t2);
                if (s.probabilityProbe()) {
                    // Same work as above plus what the probe adds per token: softmax stats and top 20.
                    session.rewind(s.generateTokens());
                    float[] next = session.step(token);
                    session.rewind(1);
                    long t4 = System.nanoTime();
                    for (int i = 0; i < s.generateTokens(); i++) {
                        int chosen = argmax(next);
                        distribution.of(session.position(), next, chosen, true, null);
                        next = session.step(chosen);
                    }
                    probed[r] = s.generateTokens() * 1e9 / (System.nanoTime() - t4);
                }
            }
        }
        double bandwidth = s.bandwidthBytes() > 0
                ? MemoryBandwidth.measure(model.backend(), s.bandwidthBytes(), 5) : 0;
        double compute = s.bandwidthBytes() > 0 ? ComputePeak.measure(model.backend(), 5) : 0;
        return new Result(model.backend().threads(), s.promptTokens(), s.generateTokens(), s.repetitions(),
                model.loadNanos() / 1e6, median(pp), median(tg), Arrays.stream(tg).min().orElse(0),
                Arrays.stream(tg).max().orElse(0), bytesPerToken(model), bandwidth,
                s.probabilityProbe() ? median(probed) : 0, compute, promptFlopsPerToken(model, s.promptTokens()));
    }

    /**
     * Floating-point operations per token of a prompt of {@code promptTokens} tokens, as the engine
     * runs it: every matrix of the blocks times every token (two operations a weight; of expert
     * matrices only the share of experts a token uses), attention over the causal half of the
     * prompt (scores and weighted values, {@code 4 · heads · head_dim} a visible position; a sliding
     * window would see fewer), and the output projection once, for the last token only.
     */
    public static double promptFlopsPerToken(LoadedModel model, int promptTokens) {
        var config = model.config();
        var experts = config.experts();
        boolean tied = model.file().tensor("output.weight").isEmpty();
        double perToken = 0;
        double once = 0;
        for (GgufTensorInfo t : model.file().tensors()) {
            if (t.dims().length < 2) {
                continue; // norms and biases
            }
            if (t.name().equals("output.weight") || (tied && t.name().equals("token_embd.weight"))) {
                once += 2.0 * t.elementCount();
            } else if (t.name().startsWith("blk.")) {
                double share = t.name().contains("_exps") && experts.count() > 0
                        ? (double) experts.used() / experts.count() : 1;
                perToken += 2.0 * t.elementCount() * share;
            }
        }
        int p = Math.max(1, promptTokens);
        double visible = (p + 1) / 2.0;
        double attention = 4.0 * config.blockCount() * config.headCount() * config.headDim() * visible;
        return perToken + attention + once / p;
    }

    /**
     * Weight bytes one decode step reads: every tensor once, except the token embedding, of which
     * only one row is read — unless the output projection is tied to it, then all of it. Rows copied
     * at load ({@code --repack}) count at their copies' size, which is what generation reads.
     */
    public static long bytesPerToken(LoadedModel model) {
        boolean tied = model.file().tensor("output.weight").isEmpty();
        long total = 0;
        for (GgufTensorInfo t : model.file().tensors()) {
            if (t.name().equals("token_embd.weight") && !tied) {
                total += t.byteSize() / t.dim(1);
            } else {
                total += t.byteSize();
            }
        }
        return total - model.repackedSourceBytes() + model.repackedBytes();
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
