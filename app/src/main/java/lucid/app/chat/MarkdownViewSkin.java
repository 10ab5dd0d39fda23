package lucid.app.chat;

import java.util.ArrayList;
import java.util.List;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.SkinBase;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;

import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.Emphasis;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.ListItem;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.StrongEmphasis;
import org.commonmark.node.ThematicBreak;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;
import org.commonmark.parser.Parser;

/** Renders a {@link MarkdownView}'s text with commonmark (GFM tables) into a column of nodes. */
final class MarkdownViewSkin extends SkinBase<MarkdownView> {

    private static final Parser PARSER = Parser.builder().extensions(List.of(TablesExtension.create())).build();
    private final VBox column = new VBox();

    MarkdownViewSkin(MarkdownView control) {
        super(control);
        column.getStyleClass().add("markdown-column");
        getChildren().add(column);
        control.markdownProperty().subscribe(this::render);
    }

    @Override
    protected double computePrefHeight(double width, double top, double right, double bottom, double left) {
        double inner = width < 0 ? -1 : Math.max(0, width - left - right);
        return top + column.prefHeight(inner) + bottom;
    }

    @Override
    protected double computeMinHeight(double width, double top, double right, double bottom, double left) {
        return computePrefHeight(width, top, right, bottom, left);
    }

    @Override
    protected double computePrefWidth(double height, double top, double right, double bottom, double left) {
        // As narrow as the parent likes: text wraps instead of widening the message.
        return left + 100 + right;
    }

    private void render(String markdown) {
        org.commonmark.node.Node doc = PARSER.parse(markdown == null ? "" : markdown);
        column.getChildren().setAll(blocks(doc));
    }

    private List<Node> blocks(org.commonmark.node.Node parent) {
        List<Node> out = new ArrayList<>();
        for (var n = parent.getFirstChild(); n != null; n = n.getNext()) {
            Node block = block(n);
            if (block != null) {
                out.add(block);
            }
        }
        return out;
    }

    private Node block(org.commonmark.node.Node n) {
        return switch (n) {
            case Paragraph p -> inlineFlow(p, "md-paragraph");
            case Heading h -> inlineFlow(h, "md-h" + Math.min(h.getLevel(), 4));
            case FencedCodeBlock code -> codeBlock(code.getLiteral(), code.getInfo());
            case IndentedCodeBlock code -> codeBlock(code.getLiteral(), "");
            case BulletList list -> list(list, false, 1);
            case OrderedList list -> list(list, true, list.getMarkerStartNumber() == null ? 1 : list.getMarkerStartNumber());
            case BlockQuote quote -> {
                VBox box = new VBox(blocks(quote).toArray(Node[]::new));
                box.getStyleClass().add("md-quote");
                yield box;
            }
            case ThematicBreak br -> new Separator();
            case TableBlock table -> table(table);
            case HtmlBlock html -> flow("md-paragraph", text(html.getLiteral(), "md-text"));
            default -> null;
        };
    }

    private TextFlow inlineFlow(org.commonmark.node.Node parent, String style) {
        List<Node> texts = new ArrayList<>();
        inlines(parent, texts, "md-text");
        return flow(style, texts.toArray(Node[]::new));
    }

    private static TextFlow flow(String style, Node... texts) {
        TextFlow f = new TextFlow(texts);
        f.getStyleClass().add(style);
        return f;
    }

    private void inlines(org.commonmark.node.Node parent, List<Node> out, String style) {
        for (var n = parent.getFirstChild(); n != null; n = n.getNext()) {
            switch (n) {
                case org.commonmark.node.Text t -> out.add(text(t.getLiteral(), style));
                case Code c -> out.add(text(c.getLiteral(), "md-inline-code"));
                case Emphasis e -> inlines(e, out, style + "-em");
                case StrongEmphasis s -> inlines(s, out, style.contains("strong") ? style : style + "-strong");
                case Link l -> inlines(l, out, "md-link");
                case SoftLineBreak b -> out.add(text(" ", style));
                case HardLineBreak b -> out.add(text("\n", style));
                default -> inlines(n, out, style);
            }
        }
    }

    private static Text text(String s, String style) {
        Text t = new Text(s);
        // A combined class like "md-text-em-strong" is split so each part can style one property.
        for (String part : style.split("-(?=em|strong)")) {
            t.getStyleClass().add(part.startsWith("md") ? part : "md-" + part);
        }
        return t;
    }

    private Node codeBlock(String code, String info) {
        String language = info == null ? "" : info.strip().split("\\s+")[0];
        String body = code.endsWith("\n") ? code.substring(0, code.length() - 1) : code;
        List<Node> spans = new ArrayList<>();
        for (SyntaxHighlighter.Span s : SyntaxHighlighter.highlight(body, language)) {
            Text t = new Text(s.text());
            t.getStyleClass().add("code-text");
            if (s.styleClass() != null) {
                t.getStyleClass().add(s.styleClass());
            }
            spans.add(t);
        }
        TextFlow flow = new TextFlow(spans.toArray(Node[]::new));
        flow.getStyleClass().add("md-code");
        Label lang = new Label(language.isEmpty() ? "code" : language);
        lang.getStyleClass().add("md-code-language");
        Button copy = new Button(null, new FontIcon(Feather.COPY));
        copy.getStyleClass().addAll("flat", "md-code-copy");
        copy.setTooltip(new Tooltip("Copy"));
        copy.setOnAction(e -> {
            var sink = getSkinnable().onCopyProperty().get();
            if (sink != null) {
                sink.accept(body);
            }
        });
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox header = new HBox(lang, spacer, copy);
        header.setAlignment(Pos.CENTER_LEFT);
        header.getStyleClass().add("md-code-header");
        VBox box = new VBox(header, flow);
        box.getStyleClass().add("md-code-block");
        return box;
    }

    private Node list(org.commonmark.node.ListBlock list, boolean ordered, int start) {
        VBox box = new VBox();
        box.getStyleClass().add("md-list");
        int number = start;
        for (var item = list.getFirstChild(); item != null; item = item.getNext()) {
            if (!(item instanceof ListItem li)) {
                continue;
            }
            Label marker = new Label(ordered ? number++ + "." : "•");
            marker.getStyleClass().add("md-list-marker");
            marker.setMinWidth(Region.USE_PREF_SIZE);
            VBox content = new VBox(blocks(li).toArray(Node[]::new));
            HBox.setHgrow(content, Priority.ALWAYS);
            HBox row = new HBox(6, marker, content);
            box.getChildren().add(row);
        }
        return box;
    }

    private Node table(TableBlock table) {
        GridPane grid = new GridPane();
        grid.getStyleClass().add("md-table");
        int r = 0;
        int columns = 0;
        for (var section = table.getFirstChild(); section != null; section = section.getNext()) {
            for (var row = section.getFirstChild(); row != null; row = row.getNext()) {
                if (!(row instanceof TableRow)) {
                    continue;
                }
                int c = 0;
                for (var cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                    if (cell instanceof TableCell tc) {
                        TextFlow f = inlineFlow(tc, tc.isHeader() ? "md-table-header" : "md-table-cell");
                        grid.add(f, c++, r);
                    }
                }
                columns = Math.max(columns, c);
                r++;
            }
        }
        for (int c = 0; c < columns; c++) {
            ColumnConstraints cc = new ColumnConstraints();
            cc.setHgrow(Priority.SOMETIMES);
            grid.getColumnConstraints().add(cc);
        }
        return grid;
    }
}
