package lucid.engine.lab;

import java.util.Arrays;
import java.util.function.IntConsumer;

import lucid.engine.inference.InferenceSession;
import lucid.engine.inspect.Distribution;
import lucid.engine.inference.LoadedModel;

/**
 * Perplexity of a text, computed the way llama.cpp's {@code llama-perplexity} does so the numbers
 * can be compared: the text is tokenized once with BOS in front and cut into
 * {@code floor(n / ctx)} chunks of {@code ctx} tokens (the tail is dropped). Each chunk is evaluated
 * from position 0 in an empty cache with its first token replaced by BOS, and only its second half
 * is scored: the logits at positions {@code ctx/2 .. ctx-2} predict tokens {@code ctx/2+1 .. ctx-1},
 * because early positions have too little context to be a fair test.
 */
public final class Perplexity {

    /**
     * @param perplexity    exp(mean negative log-likelihood)
     * @param uncertainty   standard error of the perplexity estimate, as llama.cpp reports it (±)
     * @param chunks        chunks evaluated
     * @param scoredTokens  tokens whose probability was scored
     * @param runningPerplexity the estimate after each chunk
     */
    public record Result(double perplexity, double uncertainty, int chunks, int scoredTokens, double[] runningPerplexity) {
        public Result {
            runningPerplexity = runningPerplexity.clone();
        }

        @Override
        public double[] runningPerplexity() {
            return runningPerplexity.clone();
        }

        @Override
        public String toString() {
            return String.format("Perplexity[%.4f ± %.5f, %d chunks, %d tokens, running=%s]", perplexity, uncertainty,
                    chunks, scoredTokens, Arrays.toString(runningPerplexity));
        }
    }

    private Perplexity() {
    }

    /**
     * @param progress receives the number of chunks done after each one (may be null)
     * @throws IllegalArgumentException when the text is shorter than one chunk or ctx is too small
     */
    public static Result compute(LoadedModel model, String text, int ctx, IntConsumer progress) {
        if (ctx < 4) {
            throw new IllegalArgumentException("context must be at least 4 tokens, got " + ctx);
        }
        if (ctx > model.config().contextLength()) {
            throw new IllegalArgumentException("context " + ctx + " is longer than the model's "
                    + model.config().contextLength());
        }
        int[] tokens = model.tokenizer().encode(text, true, false);
        int chunks = tokens.length / ctx;
        if (chunks == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of "
                    + ctx + "; use a smaller --ctx or a longer text");
        }
        var vocabulary = model.tokenizer().vocabulary();
        boolean addBos = vocabulary.bos().isPresent() && vocabulary.addBos();
        int bos = vocabulary.bos().orElse(-1);
        int first = ctx / 2;
        double nll = 0;
        double nll2 = 0;
        int count = 0;
        double[] running = new double[chunks];
        try (InferenceSession session = model.newSession(ctx)) {
            for (int c = 0; c < chunks; c++) {
                int[] chunk = Arrays.copyOfRange(tokens, c * ctx, (c + 1) * ctx);
                if (addBos) {
                    chunk[0] = bos;
                }
                session.reset();
                double[] chunkNll = new double[ctx];
                session.prefill(chunk, (pos, logits) -> {
                    if (pos >= first && pos < ctx - 1) {
                        chunkNll[pos] = -Distribution.logSoftmax(logits, chunk[pos + 1]);
                    }
                });
                for (int pos = first; pos < ctx - 1; pos++) {
                    nll += chunkNll[pos];
                    nll2 += chunkNll[pos] * chunkNll[pos];
                    count++;
                }
                running[c] = Math.exp(nll / count);
                if (progress != null) {
                    progress.accept(c + 1);
                }
            }
        }
        double mean = nll / count;
        double variance = nll2 / count - mean * mean;
        double ppl = Math.exp(mean);
        double uncertainty = count > 1 && variance > 0 ? ppl * Math.sqrt(variance / (count - 1)) : 0;
        return new Result(ppl, uncertainty, chunks, count, running);
    }
}
