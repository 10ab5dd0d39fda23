package lucid.app.visualize;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import lucid.app.cli.Json;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;
import lucid.engine.model.ModelConfig;

/**
 * View-model of the model view: every layer × head of a token sequence as a small thumbnail of its
 * attention map. The layers are captured one after another on the inspection executor (all heads at
 * a time, in one session that Cancel stops) and each is shrunk to thumbnails at once, so memory stays
 * at one layer's weights however long the sequence.
 */
public final class ModelGridViewModel {

    /** The largest thumbnail side in cells; longer sequences are max-pooled down to it. */
    public static final int MAX_THUMBNAIL = 48;

    /** The thumbnails: (layer, head) → (side, side) weights, row = query block, column = key block. */
    public record Thumbnails(int layers, int heads, int side, float[][][][] weights) {
    }

    private final LoadedModel model;
    private final int[] tokens;
    private final Executor worker;
    private final Executor fx;
    private final int side;
    private final ObjectProperty<Thumbnails> thumbnails = new SimpleObjectProperty<>(this, "thumbnails");
    private final IntegerProperty capturedLayers = new SimpleIntegerProperty(this, "capturedLayers");
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private final StringProperty problem = new SimpleStringProperty(this, "problem");
    private final IntegerProperty hoverLayer = new SimpleIntegerProperty(this, "hoverLayer", -1);
    private final IntegerProperty hoverHead = new SimpleIntegerProperty(this, "hoverHead", -1);
    private volatile InferenceSession session;
    private volatile boolean cancelled;
    private Pick onPick;

    /** Where a clicked thumbnail goes: the heatmap of that layer and head. */
    @FunctionalInterface
    public interface Pick {
        void open(int layer, int head);
    }

    public ModelGridViewModel(LoadedModel model, int[] tokens, Executor worker, Executor fx) {
        this.model = model;
        this.tokens = tokens.clone();
        this.worker = worker;
        this.fx = fx;
        this.side = Math.max(1, Math.min(tokens.length, MAX_THUMBNAIL));
        ModelConfig c = model.config();
        thumbnails.set(new Thumbnails(c.blockCount(), c.headCount(), side,
                new float[c.blockCount()][c.headCount()][][]));
    }

    public ModelConfig config() {
        return model.config();
    }

    public int size() {
        return tokens.length;
    }

    /** The thumbnails so far; a layer not captured yet has null heads. Replaced as layers arrive. */
    public ObjectProperty<Thumbnails> thumbnailsProperty() {
        return thumbnails;
    }

    /** How many layers (from the first) are captured. */
    public IntegerProperty capturedLayersProperty() {
        return capturedLayers;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty problemProperty() {
        return problem;
    }

    public IntegerProperty hoverLayerProperty() {
        return hoverLayer;
    }

    public IntegerProperty hoverHeadProperty() {
        return hoverHead;
    }

    public void setOnPick(Pick pick) {
        this.onPick = pick;
    }

    /** Opens (or selects, in the heatmap it came from) layer {@code layer}, head {@code head}. */
    public void pick(int layer, int head) {
        if (onPick != null && layer >= 0 && head >= 0) {
            onPick.open(layer, head);
        }
    }

    public int kvHeadOf(int head) {
        return AttentionCapture.kvHeadOf(model.config(), head);
    }

    /**
     * Shrinks an (n, n) map to (side, side): each cell is the largest weight of the block of query
     * and key positions it covers, so a sharp attention spot stays visible in a thumbnail.
     */
    public static float[][] maxPool(float[][] weights, int side) {
        int n = weights.length;
        float[][] out = new float[side][side];
        for (int q = 0; q < n; q++) {
            int r = (int) ((long) q * side / n);
            for (int k = 0; k <= q; k++) {
                int c = (int) ((long) k * side / n);
                out[r][c] = Math.max(out[r][c], weights[q][k]);
            }
        }
        return out;
    }

    /** Captures every layer in the background; the thumbnails fill in layer by layer. */
    public void capture() {
        if (running.get() || capturedLayers.get() == model.config().blockCount()) {
            return;
        }
        running.set(true);
        cancelled = false;
        problem.set(null);
        ModelConfig c = model.config();
        int[] heads = new int[c.headCount()];
        for (int h = 0; h < heads.length; h++) {
            heads[h] = h;
        }
        int from = capturedLayers.get();
        worker.execute(() -> {
            try (InferenceSession s = model.newSession(Math.max(1, tokens.length))) {
                session = s;
                for (int l = from; l < c.blockCount() && !cancelled; l++) {
                    int layer = l;
                    AttentionCapture.LayerAttention a = AttentionCapture.capture(s, tokens, new int[] {l}, heads,
                            done -> fx.execute(() -> progress.set((layer + done / (double) tokens.length)
                                    / c.blockCount())))[0];
                    float[][][] pooled = new float[heads.length][][];
                    for (int h = 0; h < heads.length; h++) {
                        pooled[h] = maxPool(a.head(h), side);
                    }
                    fx.execute(() -> {
                        Thumbnails old = thumbnails.get();
                        float[][][][] next = old.weights().clone();
                        next[layer] = pooled;
                        thumbnails.set(new Thumbnails(old.layers(), old.heads(), old.side(), next));
                        capturedLayers.set(layer + 1);
                    });
                }
                fx.execute(() -> running.set(false));
            } catch (CancellationException ex) {
                fx.execute(() -> running.set(false));
            } catch (RuntimeException ex) {
                fx.execute(() -> {
                    problem.set(String.valueOf(ex.getMessage()));
                    running.set(false);
                });
            } finally {
                session = null;
            }
        });
    }

    /** Stops the capture after the layer it is in; the layers done stay. */
    public void cancel() {
        cancelled = true;
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /** One row per (layer, head): its KV head and the thumbnail's cells, row by row. */
    public String csv() {
        Thumbnails t = thumbnails.get();
        StringBuilder s = new StringBuilder("layer,head,kv_head,side,cells\n");
        for (int l = 0; l < t.layers(); l++) {
            for (int h = 0; h < t.heads(); h++) {
                float[][] w = t.weights()[l][h];
                if (w == null) {
                    continue;
                }
                s.append(l).append(',').append(h).append(',').append(kvHeadOf(h)).append(',').append(t.side()).append(',');
                StringBuilder cells = new StringBuilder();
                for (float[] row : w) {
                    for (float v : row) {
                        cells.append(cells.isEmpty() ? "" : " ").append(v);
                    }
                }
                s.append(cells).append('\n');
            }
        }
        return s.toString();
    }

    /** {@code {"tokens":n,"side":s,"pooling":"max","maps":[{"layer","head","kv_head","weights":[[...]]}]}} */
    public String json() {
        Thumbnails t = thumbnails.get();
        Json j = new Json().beginObject().field("tokens", tokens.length).field("side", t.side()).field("pooling", "max")
                .name("maps").beginArray();
        for (int l = 0; l < t.layers(); l++) {
            for (int h = 0; h < t.heads(); h++) {
                float[][] w = t.weights()[l][h];
                if (w == null) {
                    continue;
                }
                j.beginObject().field("layer", l).field("head", h).field("kv_head", kvHeadOf(h)).name("weights").beginArray();
                for (float[] row : w) {
                    j.beginArray();
                    for (float v : row) {
                        j.value(v);
                    }
                    j.endArray();
                }
                j.endArray().endObject();
            }
        }
        return j.endArray().endObject().toString();
    }
}
