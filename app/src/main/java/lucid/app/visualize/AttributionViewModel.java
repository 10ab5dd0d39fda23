package lucid.app.visualize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import lucid.app.cli.Json;
import lucid.app.settings.Messages;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.OcclusionAttribution;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * View-model of the attribution view: the sequence (prompt, then reply), the selected output token
 * or span of the reply, and each earlier token's occlusion score for it. A span's score is the sum
 * of its tokens' scores, which is exactly the change in the span's joint log-probability when the
 * input token is removed. Scores are computed on the inspection executor, one target after another,
 * in a session that Cancel stops.
 */
public final class AttributionViewModel {

    /**
     * Scores of one selection.
     *
     * @param start   first selected position
     * @param end     last selected position (inclusive)
     * @param targets one engine result per selected position, in order
     * @param scores  (start) per input position before the span: the sum of the targets' scores
     */
    public record Attribution(int start, int end, List<OcclusionAttribution.Result> targets, double[] scores) {
        public Attribution {
            targets = List.copyOf(targets);
            scores = scores.clone();
        }

        @Override
        public double[] scores() {
            return scores.clone();
        }

        /** The span's log-probability with the full context. */
        public double logprob() {
            return targets.stream().mapToDouble(OcclusionAttribution.Result::baseLogprob).sum();
        }
    }

    private final Messages messages;
    private final LoadedModel model;
    private final int[] tokens;
    private final int promptLength;
    private final String[] pieces;
    private final Executor worker;
    private final Executor fx;

    private final IntegerProperty start = new SimpleIntegerProperty(this, "start", -1);
    private final IntegerProperty end = new SimpleIntegerProperty(this, "end", -1);
    private final ObjectProperty<Attribution> attribution = new SimpleObjectProperty<>(this, "attribution");
    private final BooleanProperty running = new SimpleBooleanProperty(this, "running");
    private final DoubleProperty progress = new SimpleDoubleProperty(this, "progress");
    private final StringProperty problem = new SimpleStringProperty(this, "problem");
    private volatile InferenceSession session;
    private volatile AtomicBoolean stop = new AtomicBoolean();
    private int generation;

    /** @param promptLength where the reply starts in {@code tokens}: only reply tokens can be selected */
    public AttributionViewModel(Messages messages, LoadedModel model, int[] tokens, int promptLength, Executor worker,
                                Executor fx) {
        this.messages = messages;
        this.model = model;
        this.tokens = tokens.clone();
        this.promptLength = Math.max(1, promptLength);
        this.worker = worker;
        this.fx = fx;
        pieces = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            pieces[i] = Utf8StreamDecoder.decodeAll(model.tokenizer().tokenPiece(tokens[i], true));
        }
    }

    public int size() {
        return tokens.length;
    }

    public String piece(int position) {
        return pieces[position];
    }

    /** Whether the token at {@code position} is part of the reply, and so can be selected. */
    public boolean selectable(int position) {
        return position >= promptLength && position < tokens.length;
    }

    /** First selected position; -1 for none. */
    public IntegerProperty startProperty() {
        return start;
    }

    /** Last selected position (inclusive); -1 for none. */
    public IntegerProperty endProperty() {
        return end;
    }

    /** The scores of the selection; null while they are computed or when nothing is selected. */
    public ObjectProperty<Attribution> attributionProperty() {
        return attribution;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    /** Fraction of the token steps done for the selection. */
    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty problemProperty() {
        return problem;
    }

    /** The score of input {@code position} for the selection; NaN when none is known. */
    public double score(int position) {
        Attribution a = attribution.get();
        return a == null || position < 0 || position >= a.scores.length ? Double.NaN : a.scores[position];
    }

    /**
     * Where a score falls on the colour scale, in [-1, 1]: the signed square root of its share of
     * {@link #scale()}, so that small contributions stay visible beside one large one (usually the
     * token just before the target). NaN for no score.
     */
    public double shade(int position) {
        double s = score(position);
        double max = scale();
        if (!Double.isFinite(s)) {
            return Double.NaN;
        }
        return max > 0 ? Math.signum(s) * Math.sqrt(Math.abs(s) / max) : 0;
    }

    /** The largest absolute score, which the colour scale's ends stand for; 0 when none. */
    public double scale() {
        Attribution a = attribution.get();
        double max = 0;
        for (int i = 0; a != null && i < a.scores.length; i++) {
            if (Double.isFinite(a.scores[i])) {
                max = Math.max(max, Math.abs(a.scores[i]));
            }
        }
        return max;
    }

    /** The tooltip of input {@code position}: its score and what it means; null when it has none. */
    public String describe(int position) {
        Attribution a = attribution.get();
        if (a == null || position >= a.start()) {
            return null;
        }
        double s = score(position);
        String target = a.start() == a.end() ? TokenProbabilityViewModel.visible(pieces[a.start()])
                : TokenProbabilityViewModel.visible(String.join("", java.util.Arrays.asList(pieces)
                        .subList(a.start(), a.end() + 1)));
        return messages.get("attribution.tooltip", TokenProbabilityViewModel.visible(pieces[position]), position,
                format(s), target);
    }

    /** The line above the tokens: what is selected and its log-probability, or how to select. */
    public String header() {
        int a = start.get();
        if (a < 0) {
            return messages.get("attribution.none");
        }
        int b = Math.max(a, end.get()); // the two ends change one after the other
        String span = TokenProbabilityViewModel.visible(String.join("", java.util.Arrays.asList(pieces).subList(a, b + 1)));
        String where = a == b ? Integer.toString(a) : a + "–" + b;
        Attribution r = attribution.get();
        if (r == null) {
            return messages.get("attribution.computing", span, where);
        }
        return messages.get("attribution.selected", span, where, String.format(Locale.ROOT, "%.4f", r.logprob()));
    }

    /** A legend end: which way it points and the score it stands for ({@link #scale()}). */
    public String legend(boolean helped, double scale) {
        return helped ? messages.get("attribution.legend.helped", format(scale))
                : messages.get("attribution.legend.against", format(-scale));
    }

    /** Scores as the view prints them: signed, four decimals, always a dot; "n/a" for NaN. */
    public static String format(double score) {
        return Double.isFinite(score) ? String.format(Locale.ROOT, "%+.4f", score) : "n/a";
    }

    /**
     * Selects reply positions {@code from..to} (either order) and computes their scores, stopping a
     * computation still running for an earlier selection.
     */
    public void select(int from, int to) {
        int a = Math.min(from, to);
        int b = Math.max(from, to);
        if (!selectable(a) || !selectable(b)) {
            return;
        }
        if (a == start.get() && b == end.get() && (attribution.get() != null || running.get())) {
            return;
        }
        cancel();
        start.set(a);
        end.set(b);
        attribution.set(null);
        problem.set(null);
        running.set(true);
        progress.set(0);
        int run = ++generation;
        long total = 0;
        for (int t = a; t <= b; t++) {
            total += t;
        }
        long steps = total;
        AtomicBoolean stopped = new AtomicBoolean();
        stop = stopped;
        worker.execute(() -> {
            try (InferenceSession s = model.newSession(b + 1)) {
                session = s;
                List<OcclusionAttribution.Result> results = new ArrayList<>();
                long[] done = {0};
                for (int t = a; t <= b; t++) {
                    if (stopped.get()) {
                        throw new CancellationException("cancelled before target " + t);
                    }
                    long before = done[0];
                    results.add(OcclusionAttribution.compute(s, tokens, t, tokens[t], k -> {
                        long d = before + k;
                        fx.execute(() -> {
                            if (run == generation) {
                                progress.set(d / (double) steps);
                            }
                        });
                    }));
                    done[0] += t;
                }
                if (stopped.get()) {
                    // A cancel that came while a target's session was being reset.
                    throw new CancellationException("cancelled");
                }
                double[] sum = new double[a];
                for (OcclusionAttribution.Result r : results) {
                    double[] s1 = r.scores();
                    for (int j = 0; j < a; j++) {
                        sum[j] += s1[j];
                    }
                }
                Attribution result = new Attribution(a, b, results, sum);
                fx.execute(() -> {
                    if (run == generation) {
                        attribution.set(result);
                        running.set(false);
                    }
                });
            } catch (CancellationException ex) {
                fx.execute(() -> {
                    if (run == generation) {
                        problem.set(messages.get("lab.cancelled"));
                        running.set(false);
                    }
                });
            } catch (RuntimeException ex) {
                fx.execute(() -> {
                    if (run == generation) {
                        problem.set(String.valueOf(ex.getMessage()));
                        running.set(false);
                    }
                });
            } finally {
                session = null;
            }
        });
    }

    /** Stops the running computation; the selection stays, without scores. */
    public void cancel() {
        stop.set(true);
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
    }

    /** One row per input token before the selection: position, piece, score (then one column per target). */
    public String csv() {
        Attribution a = attribution.get();
        StringBuilder s = new StringBuilder("position,token,score");
        if (a == null) {
            return s.append('\n').toString();
        }
        if (a.targets().size() > 1) {
            for (OcclusionAttribution.Result r : a.targets()) {
                s.append(",target_").append(r.targetPosition());
            }
        }
        s.append('\n');
        for (int j = 0; j < a.start(); j++) {
            s.append(j).append(',').append(TokenProbabilityViewModel.quote(pieces[j])).append(',').append(a.scores[j]);
            if (a.targets().size() > 1) {
                for (OcclusionAttribution.Result r : a.targets()) {
                    s.append(',').append(r.scores()[j]);
                }
            }
            s.append('\n');
        }
        return s.toString();
    }

    /**
     * One selected token: the CLI's {@code inspect attribution} JSON (docs/INSPECT.md). A span: its
     * summed scores over the tokens before it, and each target's own result.
     */
    public String json() {
        Attribution a = attribution.get();
        if (a == null) {
            return "{}";
        }
        if (a.targets().size() == 1) {
            return InspectionJson.attribution(model.tokenizer(), tokens, a.targets().getFirst());
        }
        Json j = new Json().beginObject().name("span").beginObject()
                .field("start", a.start()).field("end", a.end()).field("logprob", a.logprob()).endObject()
                .field("method", "occlusion");
        j.name("tokens").beginArray();
        for (int i = 0; i < a.start(); i++) {
            j.value(pieces[i]);
        }
        j.endArray().name("scores").beginArray();
        for (double s : a.scores) {
            j.value(s);
        }
        j.endArray().name("targets").beginArray();
        for (OcclusionAttribution.Result r : a.targets()) {
            j.beginObject().field("position", r.targetPosition()).field("id", r.targetId())
                    .field("piece", pieces[r.targetPosition()]).field("logprob", r.baseLogprob())
                    .name("scores").beginArray();
            for (double s : r.scores()) {
                j.value(s);
            }
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }
}
