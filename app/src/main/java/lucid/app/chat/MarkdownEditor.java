package lucid.app.chat;

import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.fxmisc.richtext.StyleClassedTextArea;
import org.fxmisc.richtext.model.StyleSpans;
import org.fxmisc.richtext.model.StyleSpansBuilder;

/**
 * A RichTextFX editor for message text that marks up Markdown as it is typed: headings, emphasis,
 * inline code and fenced code blocks, so an edited reply shows its structure before it is saved.
 */
public final class MarkdownEditor extends StyleClassedTextArea {

    private static final Pattern MARKUP = Pattern.compile(
            "(?<fence>^```[^\\n]*\\n(?s:.*?)(^```|\\z))|(?<heading>^#{1,6} [^\\n]*)|(?<strong>\\*\\*[^*\\n]+\\*\\*)"
                    + "|(?<em>(?<![*\\w])\\*[^*\\n]+\\*)|(?<code>`[^`\\n]+`)",
            Pattern.MULTILINE);

    public MarkdownEditor(String text) {
        getStyleClass().add("markdown-editor");
        setWrapText(true);
        textProperty().addListener((obs, old, t) -> setStyleSpans(0, highlight(t)));
        replaceText(text);
    }

    /** Style classes for each stretch of {@code text}; plain text gets none. */
    static StyleSpans<Collection<String>> highlight(String text) {
        StyleSpansBuilder<Collection<String>> spans = new StyleSpansBuilder<>();
        Matcher m = MARKUP.matcher(text);
        int at = 0;
        while (m.find()) {
            String style = m.group("fence") != null ? "md-edit-code-block"
                    : m.group("heading") != null ? "md-edit-heading"
                    : m.group("strong") != null ? "md-edit-strong"
                    : m.group("em") != null ? "md-edit-em" : "md-edit-code";
            spans.add(List.of(), m.start() - at);
            spans.add(List.of(style), m.end() - m.start());
            at = m.end();
        }
        spans.add(List.of(), text.length() - at);
        return spans.create();
    }
}
