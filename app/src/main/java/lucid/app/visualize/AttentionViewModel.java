package lucid.app.visualize;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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

import lucid.app.cli.InspectionJson;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;
import lucid.engine.model.ModelConfig;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * View-model of the attention heatmap: the token sequence, the chosen layer and head (or the mean or
 * maximum over heads), the matrix on screen and the capture that fills it. A layer is captured once,
 * all heads at a time, on the inspection executor in a session of its own that Cancel stops.
 */
public final class AttentionViewModel {

    /** {@link #headProperty()} value for the mean over all heads. */
    public static final int MEAN = -1;
    /** {@link #headProperty()} value for the elementwise maximum over all heads. */
    public static final int MAX = -2;
    /**
     * {@link #headProperty()} value for attention rollout across all layers (the layer picker does not
     * apply): needs every layer captured, which the first choice of it does.
     */
    public static final int ROLLOUT = -3;

    private final LoadedModel model;
    private final int[] tokens;
    private final String[] pieces;
    private final Executor worker;
    private final Executor fx;
    private final Map<Integer, AttentionCapture.LayerAttention> captured = new HashMap<>();

    private final IntegerProperty layer = new SimpleIntegerProperty(this, "layer");
    private final IntegerProperty head = new SimpleIntegerProperty(this, "head");
    private final ObjectProperty<float[][]> matrix = new SimpleObjectProperty<>(this, "matrix");
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private final StringProperty problem = new SimpleStringProperty(this, "problem");
    private final IntegerProperty hoverQuery = new SimpleIntegerProperty(this, "hoverQuery", -1);
    private final IntegerProperty hoverKey = new SimpleIntegerProperty(this, "hoverKey", -1);
    private final IntegerProperty selectedQuery = new SimpleIntegerProperty(this, "selectedQuery", -1);
    private volatile InferenceSession session;
    private int generation;

    public AttentionViewModel(LoadedModel model, int[] tokens, Executor worker, Executor fx) {
        this.model = model;
        this.tokens = tokens.clone();
        this.worker = worker;
        this.fx = fx;
        pieces = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            pieces[i] = Utf8StreamDecoder.decodeAll(model.tokenizer().tokenPiece(tokens[i], true));
        }
        layer.subscribe(l -> show());
        head.subscribe(h -> show());
    }

    /** A model view over the same tokens, captured with the same executors. */
    public ModelGridViewModel modelGrid() {
        return new ModelGridViewModel(model, tokens, worker, fx);
    }

    public ModelConfig config() {
        return model.config();
    }

    public int[] tokens() {
        return tokens.clone();
    }

    public String piece(int position) {
        return pieces[position];
    }

    public int size() {
        return tokens.length;
    }

    public IntegerProperty layerProperty() {
        return layer;
    }

    /** A head number, or {@link #MEAN} or {@link #MAX}. */
    public IntegerProperty headProperty() {
        return head;
    }

    /** (query, key) weights on screen; null until the layer is captured. */
    public ObjectProperty<float[][]> matrixProperty() {
        return matrix;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    /** Fraction of the tokens the capture has run through. */
    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty problemProperty() {
        return problem;
    }

    public IntegerProperty hoverQueryProperty() {
        return hoverQuery;
    }

    public IntegerProperty hoverKeyProperty() {
        return hoverKey;
    }

    /**
     * The query token whose attention is spelled out over the text (the bar chart under the heatmap,
     * the shading of the text view); -1 for none.
     */
    public IntegerProperty selectedQueryProperty() {
        return selectedQuery;
    }

    /** The weights on screen from query {@code query} to every key, or null when nothing is captured. */
    public float[] row(int query) {
        float[][] m = matrix.get();
        return m == null || query < 0 || query >= m.length ? null : m[query].clone();
    }

    /** The KV head a query head reads (grouped-query attention). */
    public int kvHeadOf(int queryHead) {
        return AttentionCapture.kvHeadOf(model.config(), queryHead);
    }

    /** The weight on screen at (query, key), or NaN when nothing is captured or out of range. */
    public double weight(int query, int key) {
        float[][] m = matrix.get();
        if (m == null || query < 0 || key < 0 || query >= m.length || key >= m.length) {
            return Double.NaN;
        }
        return m[query][key];
    }

    /** The hover line: query and key tokens with their positions and the weight between them. */
    public String describe(int query, int key) {
        return String.format(Locale.ROOT, "%s (%d) → %s (%d): %.4f", TokenProbabilityViewModel.visible(pieces[query]),
                query, TokenProbabilityViewModel.visible(pieces[key]), key, weight(query, key));
    }

    /**
     * Captures what the view shows unless it already is: the chosen layer, or for rollout every layer
     * not captured yet (one pass over the tokens); the matrix follows when it is done.
     */
    public void capture() {
        int[] missing = missingLayers();
        if (missing.length == 0 || running.get()) {
            show();
            return;
        }
        int run = ++generation;
        running.set(true);
        progress.set(0);
        problem.set(null);
        int[] heads = new int[model.config().headCount()];
        for (int h = 0; h < heads.length; h++) {
            heads[h] = h;
        }
        worker.execute(() -> {
            try (InferenceSession s = model.newSession(Math.max(1, tokens.length))) {
                session = s;
                AttentionCapture.LayerAttention[] result = AttentionCapture.capture(s, tokens, missing, heads,
                        done -> fx.execute(() -> progress.set(done / (double) tokens.length)));
                fx.execute(() -> {
                    for (int i = 0; i < missing.length; i++) {
                        captured.put(missing[i], result[i]);
                    }
                    finish(run);
                    show();
                });
            } catch (CancellationException ex) {
                fx.execute(() -> finish(run));
            } catch (RuntimeException ex) {
                fx.execute(() -> {
                    if (run == generation) {
                        problem.set(String.valueOf(ex.getMessage()));
                    }
                    finish(run);
                });
            } finally {
                session = null;
            }
        });
    }

    private void finish(int run) {
        if (run == generation) {
            running.set(false);
        }
    }

    /** Stops a running capture; what was captured before stays. */
    public void cancel() {
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /** The layers the view needs and has not captured: the chosen one, or every one for rollout. */
    private int[] missingLayers() {
        if (head.get() != ROLLOUT) {
            return captured.containsKey(layer.get()) ? new int[0] : new int[] {layer.get()};
        }
        return java.util.stream.IntStream.range(0, model.config().blockCount())
                .filter(l -> !captured.containsKey(l)).toArray();
    }

    private void show() {
        if (missingLayers().length > 0) {
            matrix.set(null);
            if (!running.get()) {
                capture();
            }
            return;
        }
        int h = head.get();
        if (h == ROLLOUT) {
            AttentionCapture.LayerAttention[] all = new AttentionCapture.LayerAttention[model.config().blockCount()];
            for (int l = 0; l < all.length; l++) {
                all[l] = captured.get(l);
            }
            matrix.set(AttentionCapture.rollout(all));
            return;
        }
        AttentionCapture.LayerAttention a = captured.get(layer.get());
        matrix.set(h == MEAN ? a.meanOverHeads() : h == MAX ? a.maxOverHeads() : a.head(h));
    }

    /** The head's name as the axis and CSV say it: "mean", "max", "rollout" or "3" for head 3. */
    public String headName() {
        int h = head.get();
        return h == MEAN ? "mean" : h == MAX ? "max" : h == ROLLOUT ? "rollout" : Integer.toString(h);
    }

    /** The matrix on screen as CSV: a header of key tokens, then one row per query token. */
    public String csv() {
        float[][] m = matrix.get();
        StringBuilder s = new StringBuilder("query\\key");
        for (int k = 0; k < tokens.length; k++) {
            s.append(',').append(TokenProbabilityViewModel.quote(pieces[k]));
        }
        s.append('\n');
        for (int q = 0; m != null && q < tokens.length; q++) {
            s.append(TokenProbabilityViewModel.quote(pieces[q]));
            for (int k = 0; k < tokens.length; k++) {
                s.append(',').append(m[q][k]);
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** The CLI's {@code inspect attention} JSON (docs/INSPECT.md) of the matrix on screen. */
    public String json() {
        float[][] m = matrix.get();
        int h = head.get();
        // Rollout runs through every layer: its "layer" is the last one it includes.
        int l = h == ROLLOUT ? model.config().blockCount() - 1 : layer.get();
        return InspectionJson.attention(model.tokenizer(), tokens, l, headName(), h >= 0 ? kvHeadOf(h) : -1,
                m == null ? new float[0][] : m);
    }
}
