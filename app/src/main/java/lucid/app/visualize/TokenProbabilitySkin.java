package lucid.app.visualize;

import java.util.List;

import javafx.geometry.Insets;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.geometry.Side;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.CustomMenuItem;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SkinBase;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Background;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.CornerRadii;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.geometry.Pos;
import javafx.util.Duration;

import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.TokenProbability;

/**
 * Lays the reply out as runs of token labels that wrap like text, each on its probability's colour,
 * and draws the legend's gradient on a canvas.
 */
final class TokenProbabilitySkin extends SkinBase<TokenProbabilityView> {

    private static final double LEGEND_WIDTH = 240;
    private static final double LEGEND_HEIGHT = 12;

    private final FlowPane tokens = new FlowPane();
    private final Canvas gradient = new Canvas(LEGEND_WIDTH, LEGEND_HEIGHT);

    TokenProbabilitySkin(TokenProbabilityView view) {
        super(view);
        tokens.getStyleClass().add("probability-tokens");
        tokens.setHgap(1);
        tokens.setVgap(3);
        tokens.setPadding(new Insets(4));
        Label low = new Label("0%");
        Label high = new Label("100%");
        HBox legend = new HBox(6, low, gradient, high);
        legend.setAlignment(Pos.CENTER_LEFT);
        legend.getStyleClass().add("probability-legend");
        legend.setPadding(new Insets(8, 4, 4, 4));
        ScrollPane scroll = new ScrollPane(tokens);
        scroll.setFitToWidth(true);
        BorderPane root = new BorderPane(scroll);
        root.setBottom(legend);
        getChildren().add(root);
        drawLegend();
        registerChangeListener(view.model().probabilitiesProperty(), o -> rebuild());
        registerChangeListener(view.model().stageProperty(), o -> rebuild());
        rebuild();
    }

    /**
     * Clicking a token lists its alternatives in a popup; clicking one there continues the reply from
     * it as a new branch (when the overlay was opened from the chat).
     */
    private void showAlternatives(Label run, int index) {
        TokenProbabilityViewModel model = getSkinnable().model();
        TokenProbability t = model.tokens().get(index);
        ContextMenu menu = new ContextMenu();
        menu.getStyleClass().add("probability-alternatives");
        Label header = new Label(model.messages().get(model.canBranch() ? "probs.branch.header" : "probs.alternatives"));
        header.getStyleClass().add("probability-alternatives-header");
        CustomMenuItem head = new CustomMenuItem(header, false);
        head.setDisable(true);
        menu.getItems().add(head);
        List<Alternative> alternatives = model.alternatives(index);
        for (int k = 0; k < alternatives.size(); k++) {
            Alternative a = alternatives.get(k);
            Label text = new Label((a.id() == t.id() ? "▸ " : "   ")
                    + TokenProbabilityViewModel.visible(a.piece()) + "  " + TokenProbabilityViewModel.percent(a.prob()));
            text.setId("alternative-" + k);
            text.getStyleClass().add("probability-alternative");
            CustomMenuItem item = new CustomMenuItem(text, true);
            item.setDisable(!model.canBranch() || a.id() == t.id());
            item.setOnAction(e -> model.branch(index, a.id()));
            menu.getItems().add(item);
        }
        menu.show(run, Side.BOTTOM, 0, 2);
    }

    private void drawLegend() {
        GraphicsContext g = gradient.getGraphicsContext2D();
        for (int x = 0; x < LEGEND_WIDTH; x++) {
            g.setFill(ColorScale.viridis(x / (LEGEND_WIDTH - 1)));
            g.fillRect(x, 0, 1, LEGEND_HEIGHT);
        }
    }

    private void rebuild() {
        TokenProbabilityViewModel model = getSkinnable().model();
        List<TokenProbability> list = model.tokens();
        tokens.getChildren().clear();
        for (int i = 0; i < list.size(); i++) {
            TokenProbability t = list.get(i);
            Label run = new Label(t.piece().replace("\n", "↵"));
            run.setId("token-" + i);
            run.getStyleClass().add("probability-token");
            double prob = model.probability(i);
            run.setBackground(new Background(new BackgroundFill(ColorScale.viridis(prob), new CornerRadii(3), null)));
            run.setTextFill(ColorScale.textOn(prob));
            int index = i;
            run.setOnMouseClicked(e -> showAlternatives(run, index));
            Tooltip tip = new Tooltip(model.describe(i));
            tip.setShowDelay(Duration.millis(150));
            tip.setShowDuration(Duration.INDEFINITE);
            tip.getStyleClass().add("probability-tooltip");
            run.setTooltip(tip);
            run.setOnMouseEntered(e -> model.hoveredProperty().set(index));
            run.setOnMouseExited(e -> {
                if (model.hoveredProperty().get() == index) {
                    model.hoveredProperty().set(-1);
                }
            });
            tokens.getChildren().add(run);
        }
    }
}
