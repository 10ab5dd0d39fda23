package lucid.app.visualize;

import java.util.List;
import java.util.Locale;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;

import lucid.app.chat.ReplyProbabilities;
import lucid.app.cli.InspectionJson;
import lucid.app.settings.Messages;
import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.SamplerStage;
import lucid.engine.inspect.TokenProbability;

/**
 * View-model of the token probability overlay: the reply's recorded tokens, which one the pointer is
 * on, and the texts the view shows (tooltip) and exports (CSV, JSON).
 */
public final class TokenProbabilityViewModel {

    private final Messages messages;
    private final ObjectProperty<ReplyProbabilities> probabilities = new SimpleObjectProperty<>(this, "probabilities");
    private final IntegerProperty hovered = new SimpleIntegerProperty(this, "hovered", -1);
    private final ObjectProperty<String> stage = new SimpleObjectProperty<>(this, "stage");
    private Branching branching;

    /** Starts a branch of the reply that continues from an alternative token. */
    @FunctionalInterface
    public interface Branching {
        /** @return whether the branch was started (not while another reply is generating) */
        boolean branch(int tokenIndex, int tokenId);
    }

    public TokenProbabilityViewModel(Messages messages, ReplyProbabilities probabilities) {
        this.messages = messages;
        this.probabilities.set(probabilities);
    }

    public Messages messages() {
        return messages;
    }

    public ObjectProperty<ReplyProbabilities> probabilitiesProperty() {
        return probabilities;
    }

    /** The index of the token under the pointer, or -1. */
    public IntegerProperty hoveredProperty() {
        return hovered;
    }

    /** Where clicking an alternative sends it; null leaves the alternatives for reading only. */
    public void setBranching(Branching branching) {
        this.branching = branching;
    }

    public boolean canBranch() {
        return branching != null;
    }

    /** Continues the reply from {@code tokenId} in place of token {@code index}, as a new branch. */
    public boolean branch(int index, int tokenId) {
        return branching != null && branching.branch(index, tokenId);
    }

    /**
     * The distribution the tint and the tooltip describe: null for the model's own (softmax of the
     * logits, temperature 1), else the name of a sampler stage, after which it is shown.
     */
    public ObjectProperty<String> stageProperty() {
        return stage;
    }

    /** The sampler stages recorded with the reply, in chain order; empty when none were. */
    public List<String> stages() {
        for (TokenProbability t : tokens()) {
            if (t.sampled() != null && !t.sampled().stages().isEmpty()) {
                return t.sampled().stages().stream().map(SamplerStage::name).toList();
            }
        }
        return List.of();
    }

    /** Token {@code index} after the chosen stage; null for the model's distribution or when not recorded. */
    public SamplerStage stageOf(int index) {
        String name = stage.get();
        TokenProbability t = tokens().get(index);
        if (name == null || t.sampled() == null) {
            return null;
        }
        return t.sampled().stages().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** The probability token {@code index} is tinted by: under the chosen stage when there is one. */
    public double probability(int index) {
        SamplerStage s = stageOf(index);
        return s == null || Double.isNaN(s.prob()) ? tokens().get(index).prob() : s.prob();
    }

    /** The alternatives at token {@code index}, under the chosen stage when there is one. */
    public List<Alternative> alternatives(int index) {
        SamplerStage s = stageOf(index);
        return s == null ? tokens().get(index).top() : s.top();
    }

    public List<TokenProbability> tokens() {
        ReplyProbabilities p = probabilities.get();
        return p == null ? List.of() : p.tokens();
    }

    /** Probabilities as the view prints them: a percentage with two decimals, always a dot. */
    public static String percent(double prob) {
        return String.format(Locale.ROOT, "%.2f%%", prob * 100);
    }

    /** The tooltip of token {@code index}: probability, rank, entropy and the alternatives. */
    public String describe(int index) {
        TokenProbability t = tokens().get(index);
        StringBuilder s = new StringBuilder();
        SamplerStage st = stageOf(index);
        if (st == null) {
            s.append(messages.get("probs.tooltip", visible(t.piece()), percent(t.prob()), t.rank() + 1,
                    String.format(Locale.ROOT, "%.3f", t.entropy())));
        } else {
            s.append(messages.get("probs.stage.tooltip", visible(t.piece()), percent(st.prob()),
                    st.rank() < 0 ? "–" : Integer.toString(st.rank() + 1),
                    String.format(Locale.ROOT, "%.3f", st.entropy()), st.name(), st.candidates()));
        }
        if (!t.generated()) {
            s.append('\n').append(messages.get("probs.picked"));
        }
        s.append('\n').append(messages.get("probs.alternatives"));
        for (Alternative a : alternatives(index)) {
            s.append('\n').append(a.id() == t.id() ? "▸ " : "   ").append(visible(a.piece())).append("  ")
                    .append(percent(a.prob()));
        }
        return s.toString();
    }

    /** Whitespace made visible so a token that is a space or a newline can be told apart. */
    public static String visible(String piece) {
        return "«" + piece.replace("\n", "↵").replace("\t", "⇥") + "»";
    }

    /** One row per token: position, id, piece, prob, logprob, rank, entropy, then top alternatives. */
    public String csv() {
        StringBuilder s = new StringBuilder("position,id,piece,prob,logprob,rank,entropy,top\n");
        for (TokenProbability t : tokens()) {
            s.append(t.position()).append(',').append(t.id()).append(',').append(quote(t.piece())).append(',')
                    .append(t.prob()).append(',').append(t.logprob()).append(',').append(t.rank()).append(',')
                    .append(t.entropy()).append(',');
            StringBuilder top = new StringBuilder();
            for (Alternative a : t.top()) {
                top.append(top.isEmpty() ? "" : " ").append(a.id()).append(':').append(a.prob());
            }
            s.append(top).append('\n');
        }
        return s.toString();
    }

    /** The CLI's {@code inspect probs} JSON (docs/INSPECT.md) of the reply's tokens. */
    public String json() {
        return InspectionJson.probabilities(tokens());
    }

    static String quote(String text) {
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
