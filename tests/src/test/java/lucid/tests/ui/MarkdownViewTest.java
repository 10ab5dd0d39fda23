package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.layout.StackPane;
import javafx.scene.text.Text;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;

import lucid.app.chat.MarkdownView;
import lucid.app.chat.SyntaxHighlighter;

/** Markdown in messages: each construct becomes the node the stylesheet styles; code can be copied. */
class MarkdownViewTest {

    private final FxRobot robot = new FxRobot();

    @AfterEach
    void cleanup() throws Exception {
        FxToolkit.cleanupStages();
    }

    @Test
    void headingsListsTablesAndColouredCodeWithACopyButton() throws Exception {
        FxToolkit.registerPrimaryStage();
        List<String> copied = new ArrayList<>();
        MarkdownView view = new MarkdownView();
        view.setOnCopy(copied::add);
        FxToolkit.setupStage(stage -> {
            stage.setScene(new Scene(new StackPane(view), 600, 500));
            stage.show();
        });
        robot.interact(() -> view.markdownProperty().set("""
                # Title
                Some *soft* and **strong** text with `code`.

                - one
                - two

                | a | b |
                |---|---|
                | 1 | 2 |

                ```java
                int x = 42; // answer
                String s = "hi";
                ```
                """));
        assertEquals(1, robot.from(view).lookup(".md-h1").queryAll().size());
        assertEquals(2, robot.from(view).lookup(".md-list-marker").queryAll().size());
        assertEquals(4, robot.from(view).lookup(".md-table-cell").queryAll().size()
                + robot.from(view).lookup(".md-table-header").queryAll().size());
        assertTrue(robot.from(view).lookup(".md-strong").tryQuery().isPresent());
        assertTrue(robot.from(view).lookup(".md-inline-code").tryQuery().isPresent());
        String keywords = robot.from(view).lookup(".code-keyword").queryAllAs(Text.class).stream()
                .map(Text::getText).collect(Collectors.joining(","));
        assertEquals("int", keywords.split(",")[0], keywords);
        assertTrue(robot.from(view).lookup(".code-comment").tryQuery().isPresent());
        assertTrue(robot.from(view).lookup(".code-string").tryQuery().isPresent());
        robot.clickOn((Node) robot.from(view).lookup(".md-code-copy").queryAs(Button.class));
        assertEquals(List.of("int x = 42; // answer\nString s = \"hi\";"), copied);

        // Half-streamed input (an unclosed fence) still renders.
        robot.interact(() -> view.markdownProperty().set("```python\ndef f(:\n  \"unterminated"));
        assertTrue(robot.from(view).lookup(".md-code-block").tryQuery().isPresent());
    }

    @Test
    void highlighterKeepsEveryCharacter() {
        String code = "for (int i = 0; i < 10; i++) { /* loop */ s += \"x\"; } # not a comment in java";
        String joined = SyntaxHighlighter.highlight(code, "java").stream().map(SyntaxHighlighter.Span::text)
                .collect(Collectors.joining());
        assertEquals(code, joined);
    }
}
