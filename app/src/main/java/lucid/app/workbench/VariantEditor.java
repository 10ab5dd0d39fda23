package lucid.app.workbench;

import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.cell.TextFieldTableCell;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import org.fxmisc.richtext.StyleClassedTextArea;

import lucid.app.settings.Messages;

/**
 * One variant's editor: id, chat or text mode, system prompt, few-shot examples and user message
 * on an "Edit" tab, and on a "Rendered prompt" tab the exact text the model sees with its token
 * count and token boundaries; unknown variables are listed.
 */
public final class VariantEditor {

    private final WorkbenchViewModel vm;
    private final DocumentModel.VariantModel variant;
    private final Messages messages;
    private final PromptEditor system;
    private final PromptEditor user;
    private final StyleClassedTextArea rendered = new StyleClassedTextArea();
    private final Label count = new Label();
    private final Label renderedInfo = new Label();
    private final TabPane tabs = new TabPane();
    private final javafx.animation.PauseTransition debounce =
            new javafx.animation.PauseTransition(javafx.util.Duration.millis(250));
    private int request;

    VariantEditor(WorkbenchViewModel vm, DocumentModel.VariantModel variant, Messages messages) {
        this.vm = vm;
        this.variant = variant;
        this.messages = messages;
        system = new PromptEditor(vm::boundaries);
        user = new PromptEditor(vm::boundaries);
        createView();
        initListeners();
    }

    public Node node() {
        return tabs;
    }

    public PromptEditor userEditor() {
        return user;
    }

    public StyleClassedTextArea renderedArea() {
        return rendered;
    }

    public Label countLabel() {
        return count;
    }

    private void createView() {
        TextField id = new TextField();
        id.setId("wb-variant-id");
        id.textProperty().bindBidirectional(variant.id);
        id.setPrefColumnCount(8);
        CheckBox chat = new CheckBox();
        chat.setId("wb-variant-chat");
        chat.textProperty().bind(messages.bind("wb.variant.chat"));
        chat.selectedProperty().bindBidirectional(variant.chat);
        count.setId("wb-token-count");
        count.getStyleClass().add("wb-muted");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox head = new HBox(8, label("wb.variant.id"), id, chat, spacer, count);
        head.setAlignment(Pos.CENTER_LEFT);

        system.setId("wb-system");
        system.replaceText(variant.system.get());
        system.setPrefHeight(54);
        system.setMinHeight(44);
        user.setId("wb-user");
        user.replaceText(variant.user.get());
        user.setPrefHeight(90);
        user.setMinHeight(56);

        TableView<DocumentModel.ExampleModel> examples = new TableView<>(variant.examples);
        examples.setId("wb-examples");
        examples.setEditable(true);
        examples.setPrefHeight(112);
        examples.setMinHeight(92);
        examples.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        examples.getColumns().add(textColumn("wb.example.input", e -> e.input));
        examples.getColumns().add(textColumn("wb.example.output", e -> e.output));
        Label none = label("wb.example.none");
        examples.setPlaceholder(none);
        Button add = button("wb.example.add", () -> variant.examples.add(new DocumentModel.ExampleModel("", "")));
        Button remove = button("wb.example.remove", () -> {
            var s = examples.getSelectionModel().getSelectedItem();
            if (s != null) {
                variant.examples.remove(s);
            }
        });
        HBox exampleHead = new HBox(6, label("wb.examples"), add, remove);
        exampleHead.setAlignment(Pos.CENTER_LEFT);

        VBox.setVgrow(user, Priority.ALWAYS);
        VBox edit = new VBox(4, head, label("wb.system"), system, exampleHead, examples, label("wb.user"), user);
        edit.setPadding(new Insets(6));

        rendered.setId("wb-rendered");
        rendered.setEditable(false);
        rendered.setWrapText(true);
        rendered.getStyleClass().add("prompt-editor");
        renderedInfo.setId("wb-rendered-info");
        renderedInfo.setWrapText(true);
        VBox.setVgrow(rendered, Priority.ALWAYS);
        VBox renderedBox = new VBox(4, renderedInfo, rendered);
        renderedBox.setPadding(new Insets(6));

        Tab editTab = new Tab(null, edit);
        editTab.textProperty().bind(messages.bind("wb.tab.edit"));
        Tab renderedTab = new Tab(null, renderedBox);
        renderedTab.setId("wb-tab-rendered");
        renderedTab.textProperty().bind(messages.bind("wb.tab.rendered"));
        tabs.getTabs().addAll(editTab, renderedTab);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.getStyleClass().add("wb-variant-tabs");
    }

    private void initListeners() {
        system.textProperty().addListener((o, a, t) -> variant.system.set(t));
        user.textProperty().addListener((o, a, t) -> variant.user.set(t));
        debounce.setOnFinished(e -> refreshRendered());
        Runnable changed = () -> {
            vm.document().syncValues();
            debounce.playFromStart();
        };
        variant.system.addListener((o, a, t) -> changed.run());
        variant.user.addListener((o, a, t) -> changed.run());
        variant.chat.addListener((o, a, t) -> changed.run());
        variant.id.addListener((o, a, t) -> changed.run());
        variant.examples.addListener((javafx.collections.ListChangeListener<DocumentModel.ExampleModel>) c -> {
            while (c.next()) {
                c.getAddedSubList().forEach(ex -> {
                    ex.input.addListener((o, a, t) -> changed.run());
                    ex.output.addListener((o, a, t) -> changed.run());
                });
            }
            changed.run();
        });
        variant.examples.forEach(ex -> {
            ex.input.addListener((o, a, t) -> changed.run());
            ex.output.addListener((o, a, t) -> changed.run());
        });
        vm.engineProperty().subscribe(e -> {
            system.retokenize();
            user.retokenize();
            refreshRendered();
        });
    }

    /** Called when a value changes: variable marks and the rendered prompt follow. */
    public void valuesChanged() {
        java.util.Map<String, String> values = vm.document().valueMap();
        java.util.function.Predicate<String> known = n -> values.get(n) != null && !values.get(n).isEmpty();
        system.setKnown(known);
        user.setKnown(known);
        debounce.playFromStart();
    }

    /** Renders now (tests and automation do not wait for the debounce). */
    public void refreshRendered() {
        int mine = ++request;
        vm.render(variant).thenAccept(r -> Platform.runLater(() -> {
            if (mine != request) {
                return;
            }
            String info;
            if ("no-model".equals(r.error())) {
                info = messages.get("wb.rendered.nomodel");
            } else if (r.error() != null) {
                info = r.error();
            } else {
                info = messages.get("wb.rendered.tokens", r.tokens());
            }
            if (!r.unknown().isEmpty()) {
                info += "  ·  " + messages.get("wb.rendered.unknown", String.join(", ", r.unknown()));
            }
            renderedInfo.setText(info);
            renderedInfo.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("warning"), !r.unknown().isEmpty());
            count.setText(r.error() == null ? messages.get("wb.count", r.tokens()) : "");
            rendered.replaceText(r.text());
            if (!r.text().isEmpty()) {
                // Values as the model reads them are marked like variables; unknown ones stay flagged.
                rendered.setStyleSpans(0, PromptEditor.spans(r.text(), r.boundaries().starts(), r.values(),
                        n -> !r.unknown().contains(n)));
            }
        }));
    }

    private Label label(String key) {
        Label l = new Label();
        l.textProperty().bind(messages.bind(key));
        l.getStyleClass().add("wb-label");
        return l;
    }

    private Button button(String key, Runnable action) {
        Button b = new Button();
        b.textProperty().bind(messages.bind(key));
        b.getStyleClass().add("small");
        b.setOnAction(e -> action.run());
        return b;
    }

    private TableColumn<DocumentModel.ExampleModel, String> textColumn(String key,
            java.util.function.Function<DocumentModel.ExampleModel, javafx.beans.property.StringProperty> property) {
        TableColumn<DocumentModel.ExampleModel, String> c = new TableColumn<>();
        c.textProperty().bind(messages.bind(key));
        c.setCellValueFactory(f -> property.apply(f.getValue()));
        c.setCellFactory(TextFieldTableCell.forTableColumn());
        c.setOnEditCommit(e -> property.apply(e.getRowValue()).set(e.getNewValue()));
        return c;
    }
}
