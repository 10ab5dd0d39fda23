package lucid.app.visualize;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

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
import lucid.app.settings.Messages;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.LogitLens;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * View-model of the logit lens: the token sequence (prompt and reply), the lens's top tokens after
 * every layer at every position, the cell under the pointer and the clicked cell. The lens runs once,
 * on the inspection executor in a session of its own that Cancel stops.
 */
public final class LogitLensViewModel {

    /** Alternatives kept per cell, shown in the side panel when the cell is clicked. */
    public static final int TOP_K = 10;

    private final Messages messages;
    private final LoadedModel model;
    private final int[] tokens;
    private final String[] pieces;
    private final Executor worker;
    private final Executor fx;

    private final ObjectProperty<LogitLens.Result> result = new SimpleObjectProperty<>(this, "result");
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private final StringProperty problem = new SimpleStringProperty(this, "problem");
    private final IntegerProperty hoverLayer = new SimpleIntegerProperty(this, "hoverLayer", -1);
    private final IntegerProperty hoverPosition = new SimpleIntegerProperty(this, "hoverPosition", -1);
    private final IntegerProperty selectedLayer = new SimpleIntegerProperty(this, "selectedLayer", -1);
    private final IntegerProperty selectedPosition = new SimpleIntegerProperty(this, "selectedPosition", -1);
    private volatile InferenceSession session;
    private volatile AtomicBoolean stop = new AtomicBoolean();
    private int[] emergence = new int[0];

    public LogitLensViewModel(Messages messages, LoadedModel model, int[] tokens, Executor worker, Executor fx) {
        this.messages = messages;
        this.model = model;
        this.tokens = tokens.clone();
        this.worker = worker;
        this.fx = fx;
        pieces = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            pieces[i] = Utf8StreamDecoder.decodeAll(model.tokenizer().tokenPiece(tokens[i], true));
        }
        result.subscribe(r -> emergence = r == null ? new int[0] : emergence(r.top()));
    }

    public int layers() {
        return model.config().blockCount();
    }

    public int size() {
        return tokens.length;
    }

    public String piece(int position) {
        return pieces[position];
    }

    /** The lens once computed; null before, or when the run was cancelled or failed. */
    public ObjectProperty<LogitLens.Result> resultProperty() {
        return result;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    /** Fraction of the tokens the forward pass has run through. */
    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty problemProperty() {
        return problem;
    }

    public IntegerProperty hoverLayerProperty() {
        return hoverLayer;
    }

    public IntegerProperty hoverPositionProperty() {
        return hoverPosition;
    }

    /** The clicked cell's layer, whose top-k the side panel lists; -1 for none. */
    public IntegerProperty selectedLayerProperty() {
        return selectedLayer;
    }

    public IntegerProperty selectedPositionProperty() {
        return selectedPosition;
    }

    /** The top alternatives after {@code layer} at {@code position}, most likely first; empty before the run. */
    public List<Alternative> top(int layer, int position) {
        LogitLens.Result r = result.get();
        if (r == null || layer < 0 || layer >= r.top().size() || position < 0 || position >= tokens.length) {
            return List.of();
        }
        return r.top().get(layer).get(position);
    }

    /**
     * The first layer at which the model's final prediction at {@code position} (the last layer's
     * top token) is already the top token; -1 before the run.
     */
    public int emergesAt(int position) {
        return position >= 0 && position < emergence.length ? emergence[position] : -1;
    }

    private static int[] emergence(List<List<List<Alternative>>> top) {
        int last = top.size() - 1;
        int n = top.get(last).size();
        int[] at = new int[n];
        for (int p = 0; p < n; p++) {
            int finalId = top.get(last).get(p).getFirst().id();
            at[p] = last;
            for (int l = 0; l <= last; l++) {
                if (top.get(l).get(p).getFirst().id() == finalId) {
                    at[p] = l;
                    break;
                }
            }
        }
        return at;
    }

    /** The hover line: layer, position with its token, the lens's top token and its probability. */
    public String describe(int layer, int position) {
        List<Alternative> top = top(layer, position);
        if (top.isEmpty()) {
            return " ";
        }
        Alternative best = top.getFirst();
        return messages.get("lens.hover", layer, position, TokenProbabilityViewModel.visible(pieces[position]),
                TokenProbabilityViewModel.visible(best.piece()), TokenProbabilityViewModel.percent(best.prob()),
                emergesAt(position));
    }

    /** The legend's words for the outlined cells. */
    public String emergenceLegend() {
        return messages.get("lens.legend.emerges");
    }

    /** Runs the lens over every position unless it already ran or is running. */
    public void capture() {
        if (result.get() != null || running.get()) {
            return;
        }
        running.set(true);
        progress.set(0);
        problem.set(null);
        int[] positions = new int[tokens.length];
        java.util.Arrays.setAll(positions, i -> i);
        AtomicBoolean stopped = new AtomicBoolean();
        stop = stopped;
        worker.execute(() -> {
            try (InferenceSession s = model.newSession(Math.max(1, tokens.length))) {
                session = s;
                if (stopped.get()) {
                    throw new CancellationException("cancelled before the start");
                }
                LogitLens.Result r = LogitLens.compute(s, tokens, positions, TOP_K,
                        done -> fx.execute(() -> progress.set(
                                done / (double) LogitLens.steps(tokens.length, model.config().blockCount()))));
                if (stopped.get()) {
                    // A cancel that came while the session was being reset.
                    throw new CancellationException("cancelled");
                }
                fx.execute(() -> {
                    result.set(r);
                    running.set(false);
                });
            } catch (CancellationException ex) {
                fx.execute(() -> {
                    problem.set(messages.get("lab.cancelled"));
                    running.set(false);
                });
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

    /** Stops a running lens; the view stays empty and can be run again. */
    public void cancel() {
        stop.set(true);
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /** One row per (layer, position): the position's token, the lens's top token and probability. */
    public String csv() {
        StringBuilder s = new StringBuilder("layer,position,token,top_id,top_piece,top_prob,emerges_at\n");
        LogitLens.Result r = result.get();
        for (int l = 0; r != null && l < r.top().size(); l++) {
            for (int p = 0; p < tokens.length; p++) {
                Alternative best = top(l, p).getFirst();
                s.append(l).append(',').append(p).append(',').append(TokenProbabilityViewModel.quote(pieces[p]))
                        .append(',').append(best.id()).append(',').append(TokenProbabilityViewModel.quote(best.piece()))
                        .append(',').append(best.prob()).append(',').append(emergesAt(p)).append('\n');
            }
        }
        return s.toString();
    }

    /** The CLI's {@code inspect lens} JSON (docs/INSPECT.md). */
    public String json() {
        LogitLens.Result r = result.get();
        return r == null ? "{}" : InspectionJson.lens(model.tokenizer(), tokens, r);
    }
}
