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
import lucid.engine.inspect.TokenProbability;

/**
 * View-model of the token probability overlay: the reply's recorded tokens, which one the pointer is
 * on, and the texts the view shows (tooltip) and exports (CSV, JSON).
 */
public final class TokenProbabilityViewModel {

    private final Messages messages;
    private final ObjectProperty<ReplyProbabilities> probabilities = new SimpleObjectProperty<>(this, "probabilities");
    private final IntegerProperty hovered = new SimpleIntegerProperty(this, "hovered", -1);

    public TokenProbabilityViewModel(Messages messages, ReplyProbabilities probabilities) {
        this.messages = messages;
        this.probabilities.set(probabilities);
    }

    public ObjectProperty<ReplyProbabilities> probabilitiesProperty() {
        return probabilities;
    }

    /** The index of the token under the pointer, or -1. */
    public IntegerProperty hoveredProperty() {
        return hovered;
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
        s.append(messages.get("probs.tooltip", visible(t.piece()), percent(t.prob()), t.rank() + 1,
                String.format(Locale.ROOT, "%.3f", t.entropy())));
        s.append('\n').append(messages.get("probs.alternatives"));
        for (Alternative a : t.top()) {
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
