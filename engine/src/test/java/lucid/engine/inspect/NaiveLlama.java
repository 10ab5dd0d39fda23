package lucid.engine.inspect;

import java.io.IOException;
import java.nio.file.Path;

import lucid.engine.gguf.GgufFile;
import lucid.engine.tensor.FloatTensor;

/**
 * A deliberately plain Llama forward pass for tests: weights read one float at a time, every loop
 * written out, no KV-cache tricks, no threads, doubles for sums. It shares nothing with the engine's
 * model code beyond reading the file, so agreement between the two means something.
 */
final class NaiveLlama implements AutoCloseable {

    private final GgufFile file;
    final int dim;
    final int layers;
    final int heads;
    final int kvHeads;
    final int headDim;
    final int hidden;
    final int ropeDims;
    final double eps;
    final double base;

    NaiveLlama(Path path) throws IOException {
        file = GgufFile.open(path);
        var md = file.metadata();
        dim = md.getInt("llama.embedding_length", 0);
        layers = md.getInt("llama.block_count", 0);
        heads = md.getInt("llama.attention.head_count", 0);
        kvHeads = md.getInt("llama.attention.head_count_kv", heads);
        headDim = dim / heads;
        hidden = md.getInt("llama.feed_forward_length", 0);
        ropeDims = md.getInt("llama.rope.dimension_count", headDim);
        eps = md.getFloat("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        base = md.getFloat("llama.rope.freq_base", 10000f);
    }

    private double w(String name, long index) {
        var info = file.tensor(name).orElseThrow();
        return FloatTensor.wrap(info.type(), file.tensorData(info), info.elementCount()).getFloat(index);
    }

    private double[] matvec(String name, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < x.length; c++) {
                sum += w(name, (long) r * x.length + c) * x[c];
            }
            out[r] = sum;
        }
        return out;
    }

    private double[] rmsnorm(double[] x, String weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * w(weight, i);
        }
        return out;
    }

    private void rope(double[] v, int nHeads, int pos) {
        for (int h = 0; h < nHeads; h++) {
            for (int i = 0; i < ropeDims / 2; i++) {
                double angle = pos * Math.pow(base, -2.0 * i / ropeDims);
                int a = h * headDim + 2 * i;
                double x0 = v[a];
                double x1 = v[a + 1];
                v[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                v[a + 1] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
            }
        }
    }

    /** Attention weights of every layer: (layers, heads, query, key). */
    double[][][][] attention(int[] tokens) {
        int n = tokens.length;
        double[][] x = new double[n][dim];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dim; i++) {
                x[t][i] = w("token_embd.weight", (long) tokens[t] * dim + i);
            }
        }
        double[][][][] att = new double[layers][heads][n][n];
        int kvDim = kvHeads * headDim;
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsnorm(x[t], p + "attn_norm.weight");
                q[t] = matvec(p + "attn_q.weight", h, dim);
                k[t] = matvec(p + "attn_k.weight", h, kvDim);
                v[t] = matvec(p + "attn_v.weight", h, kvDim);
                rope(q[t], heads, t);
                rope(k[t], kvHeads, t);
            }
            for (int t = 0; t < n; t++) {
                double[] out = new double[dim];
                for (int hd = 0; hd < heads; hd++) {
                    int kv = hd / (heads / kvHeads);
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int i = 0; i < headDim; i++) {
                            dot += q[t][hd * headDim + i] * k[u][kv * headDim + i];
                        }
                        s[u] = dot / Math.sqrt(headDim);
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        s[u] = Math.exp(s[u] - max);
                        sum += s[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        att[l][hd][t][u] = s[u] / sum;
                        for (int i = 0; i < headDim; i++) {
                            out[hd * headDim + i] += att[l][hd][t][u] * v[u][kv * headDim + i];
                        }
                    }
                }
                double[] o = matvec(p + "attn_output.weight", out, dim);
                for (int i = 0; i < dim; i++) {
                    x[t][i] += o[i];
                }
                double[] h = rmsnorm(x[t], p + "ffn_norm.weight");
                double[] g = matvec(p + "ffn_gate.weight", h, hidden);
                double[] up = matvec(p + "ffn_up.weight", h, hidden);
                for (int i = 0; i < hidden; i++) {
                    g[i] = g[i] / (1 + Math.exp(-g[i])) * up[i];
                }
                double[] d = matvec(p + "ffn_down.weight", g, dim);
                for (int i = 0; i < dim; i++) {
                    x[t][i] += d[i];
                }
            }
        }
        return att;
    }

    @Override
    public void close() {
        file.close();
    }
}
