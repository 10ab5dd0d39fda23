package lucid.tests.ui;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/** The app's UI layering: view-models hold properties and commands, never nodes. */
class UiArchitectureTest {

    private static final JavaClasses APP = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("lucid.app");

    @Test
    void viewModelsDoNotTouchNodesOrWindows() {
        noClasses().that().haveSimpleNameEndingWith("ViewModel").or().haveSimpleName("MessageItem")
                .or().haveSimpleName("ChatEngine").or().haveSimpleName("ConversationStore")
                .should().dependOnClassesThat().resideInAnyPackage("javafx.scene..", "javafx.stage..")
                .check(APP);
    }

    @Test
    void storageAndPromptsDoNotDependOnJavaFx() {
        noClasses().that().haveSimpleNameStartingWith("Conversation").and().haveSimpleNameNotEndingWith("View")
                .and().haveSimpleNameNotEndingWith("ViewModel").and().haveSimpleNameNotEndingWith("Dialog").and().haveSimpleNameNotEndingWith("Cell")
                .should().dependOnClassesThat().resideInAPackage("javafx..")
                .check(APP);
    }
}
