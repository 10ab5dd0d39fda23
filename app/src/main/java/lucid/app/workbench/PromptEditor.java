package lucid.app.workbench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

import javafx.animation.PauseTransition;
import javafx.util.Duration;

import org.fxmisc.richtext.StyleClassedTextArea;
import org.fxmisc.richtext.model.StyleSpans;
import org.fxmisc.richtext.model.StyleSpansBuilder;

/**
 * A RichTextFX editor for prompt text that shows how the loaded model's tokenizer cuts it
 * (alternate tokens on alternating subtle backgrounds) and marks {@code {{variables}}}, flagging
 * those without a value. Tokenizing runs off the UI thread through {@code tokenize}, 250 ms after
 * the last keystroke; a result for text that has changed since is dropped.
 */
public final class PromptEditor extends StyleClassedTextArea {

    private final Function<String, java.util.concurrent.CompletableFuture<TokenBoundaries>> tokenize;
    private final PauseTransition debounce = new PauseTransition(Duration.millis(250));
    private Predicate<String> known = name -> true;
    private TokenBoundaries boundaries = TokenBoundaries.NONE;
    private int request;

    /** @param tokenize the boundaries of a text for the current model (off the UI thread) */
    public PromptEditor(Function<String, java.util.concurrent.CompletableFuture<TokenBoundaries>> tokenize) {
        this.tokenize = tokenize;
        getStyleClass().add("prompt-editor");
        setWrapText(true);
        debounce.setOnFinished(e -> retokenize());
        textProperty().addListener((obs, old, t) -> {
            restyle(); // variables at once; tokens when typing pauses
            debounce.playFromStart();
        });
    }

    /** Which variables have a value; the others are flagged. */
    public void setKnown(Predicate<String> known) {
        this.known = known;
        restyle();
    }

    public TokenBoundaries boundaries() {
        return boundaries;
    }

    /** Asks for fresh token boundaries now (after a model change). */
    public void retokenize() {
        int mine = ++request;
        String text = getText();
        tokenize.apply(text).thenAccept(b -> javafx.application.Platform.runLater(() -> {
            if (mine == request && text.equals(getText())) {
                boundaries = b;
                restyle();
            }
        }));
    }

    private void restyle() {
        String text = getText();
        if (text.isEmpty()) {
            return;
        }
        TokenBoundaries b = boundaries;
        setStyleSpans(0, spans(text, b.starts(), new PromptTemplate(text).placeholders(), known));
    }

    /** Style classes per character: alternating token shades, then variable marks on top. */
    static StyleSpans<Collection<String>> spans(String text, int[] tokenStarts, List<PromptTemplate.Placeholder> vars,
                                                Predicate<String> known) {
        String[] tokenClass = new String[text.length()];
        int token = -1;
        int next = 0;
        for (int i = 0; i < text.length(); i++) {
            while (next < tokenStarts.length && tokenStarts[next] <= i) {
                token = next++;
            }
            tokenClass[i] = token < 0 ? null : (token % 2 == 0 ? "wb-tok-a" : "wb-tok-b");
        }
        String[] varClass = new String[text.length()];
        for (PromptTemplate.Placeholder p : vars) {
            String c = known.test(p.name()) ? "wb-var" : "wb-var-unknown";
            for (int i = p.start(); i < p.end(); i++) {
                varClass[i] = c;
            }
        }
        StyleSpansBuilder<Collection<String>> spans = new StyleSpansBuilder<>();
        int runStart = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || !java.util.Objects.equals(tokenClass[i], tokenClass[runStart])
                    || !java.util.Objects.equals(varClass[i], varClass[runStart])) {
                List<String> classes = new ArrayList<>(2);
                if (tokenClass[runStart] != null) {
                    classes.add(tokenClass[runStart]);
                }
                if (varClass[runStart] != null) {
                    classes.add(varClass[runStart]);
                }
                spans.add(classes, i - runStart);
                runStart = i;
            }
        }
        return spans.create();
    }
}
