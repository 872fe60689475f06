package dev.venom.core.tests.browser;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium through Selenium): it follows the live
 * events, so a task submitted through its form is seen to complete and a cancelled one to end without a
 * reload; it pages through the tasks on the server. Skipped where Chromium is not installed, except under
 * {@code CI=true}, where it must run.
 */
@Tag("browser")
class DashboardBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private InProcessServers servers;
    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void open() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing: "
                    + ".ci/run installs them with apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(installed, "Chromium is not installed; to run the dashboard's browser test: "
                + "apt-get install chromium chromium-driver");
        servers = new InProcessServers(dir);
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--no-first-run", "--disable-component-update",
                        "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, WAIT);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void onAServerWithApiKeysItAsksForOneAndSendsIt() throws Exception {
        // given a server with API keys, and a task created with a write key
        KeysFile keys = new KeysFile(dir.resolve("keys"));
        String key = keys.add("dashboard", Role.WRITE);
        Http http = servers.start("--processing-delay-ms", "200", "--api-keys-file", keys.path().toString());
        Http.Answer created = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(http.base()
                + "/api/v1/tasks")).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"content\":\"behind a key\"}")));
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("task_id").asText();
        browser.get(http.base() + "/?refresh=0");

        // when the dashboard is refused, it asks for a key; a wrong one is refused again, the right one works
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key-form")));
        browser.findElement(By.id("api-key")).sendKeys("venom_wrong");
        browser.findElement(By.id("api-key-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("api-key-message"),
                "The key was rejected, please try another one."));
        assertThat(browser.findElement(By.id("api-key-form")).isDisplayed()).isTrue();
        browser.findElement(By.id("api-key")).sendKeys(key);
        browser.findElement(By.id("api-key-submit")).click();

        // then it shows the tasks, follows the event stream and submits with the key
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("api-key-form")));
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#tasks tbody tr[data-task-id='" + id + "']")));
        wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        browser.findElement(By.id("content")).sendKeys("with a key");
        browser.findElement(By.id("submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "COMPLETED"));
    }

    @Test
    void remoteWorkersAndTheProgressTheyReportAreShownLive() {
        // given a queue left to remote workers, and a worker running one of its tasks
        Http http = servers.start("--processing-delay-ms", "0", "--queues", "gpu:remote");
        String id = http.post("/api/v1/tasks", "{\"content\": \"render\", \"queue\": \"gpu\", "
                + "\"requires\": {\"gpu\": \"a100\"}}").json().get("task_id").asText();
        assertThat(http.post("/api/v1/workers/claim", "{\"worker_id\": \"gpu-box-1\", \"queues\": [\"gpu\"], "
                + "\"labels\": {\"gpu\": \"a100\"}}").json()).hasSize(1);

        // when the dashboard shows the task while the worker reports progress
        browser.get(http.base() + "/?refresh=0");
        wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#tasks tbody tr[data-task-id='" + id + "']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-requires"), "gpu=a100"));
        http.post("/api/v1/tasks/" + id + "/attempts/1/heartbeat", "{\"progress\": 40, \"message\": \"frame 4\"}");

        // then the progress arrives by the event stream, and the worker is listed with its task in flight
        wait.until(ExpectedConditions.textToBe(By.id("detail-progress"), "40% frame 4"));
        assertThat(browser.findElement(By.id("detail-progress-bar")).getAttribute("value")).isEqualTo("40");
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#workers tr[data-worker='gpu-box-1'] td.in-flight"), "1"));
        assertThat(browser.findElement(By.cssSelector("#workers tr[data-worker='gpu-box-1'] td.labels")).getText())
                .isEqualTo("gpu=a100");
        assertThat(browser.findElement(By.cssSelector("#queues tr[data-queue='gpu'] td.limit")).getText())
                .isEqualTo("remote");
        assertThat(browser.findElement(By.id("workers-empty")).isDisplayed()).isFalse();
    }

    @Test
    void aTasksDependenciesAndDependentsAreLinksToThem() {
        // given a task that waits on another, which is not due for an hour
        Http http = servers.start("--processing-delay-ms", "0");
        String first = http.post("/api/v1/tasks", "{\"content\": \"plan\", \"run_at\": \""
                + java.time.Instant.now().plusSeconds(3600) + "\"}").json().get("task_id").asText();
        String second = http.post("/api/v1/tasks", "{\"content\": \"write\", \"depends_on\": [\"" + first + "\"]}")
                .json().get("task_id").asText();

        // when the dashboard shows the waiting task, and its dependency is followed by its link
        browser.get(http.base() + "/?refresh=0");
        wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#tasks tbody tr[data-task-id='" + second + "']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-depends-on"), first.substring(0, 8) + " (waiting)"));
        click(By.cssSelector("#detail-depends-on a[data-task-id='" + first + "']"));

        // then the dependency is shown, listing the waiting task as its dependent, a link back
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), first));
        wait.until(ExpectedConditions.textToBe(By.id("detail-dependents"), second.substring(0, 8) + " (pending)"));
        click(By.cssSelector("#detail-dependents a[data-task-id='" + second + "']"));
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), second));
    }

    @Test
    void schedulesAreListedWithTheirNextRunsAndArePausedAndResumedFromTheDashboard() {
        // given a schedule that fires every second
        Http http = servers.start("--processing-delay-ms", "0");
        http.post("/api/v1/schedules", "{\"name\": \"tick\", \"cron\": \"* * * * * *\", \"content\": \"ping\"}");

        // when the dashboard shows it, and its Pause button is pressed
        browser.get(http.base() + "/?refresh=0");
        // (its row is drawn again at each task it creates, so every element is looked up where it is used)
        String row = "#schedules tr[data-schedule='tick'] ";
        wait.until(ExpectedConditions.textToBe(By.cssSelector(row + "td.when"), "* * * * * * (UTC)"));
        wait.until(ExpectedConditions.textMatches(By.cssSelector(row + "td.next"), Pattern.compile(".+")));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(row + "td.last a.task-link")));
        click(By.cssSelector(row + "button[data-action='pause']"));

        // then it is paused for every server, and can be resumed the same way
        wait.until(ExpectedConditions.textToBe(By.cssSelector(row + "td.state"), "paused"));
        assertThat(http.get("/api/v1/schedules/tick").json().get("paused").asBoolean()).isTrue();
        click(By.cssSelector(row + "button[data-action='resume']"));
        wait.until(ExpectedConditions.textToBe(By.cssSelector(row + "td.state"), "active"));
        assertThat(http.get("/api/v1/schedules/tick").json().get("paused").asBoolean()).isFalse();
    }

    /** Clicks what {@code where} finds, looking again if it was drawn anew between the look and the click. */
    private void click(By where) {
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(driver -> {
            driver.findElement(where).click();
            return true;
        });
    }

    @Test
    void hostileTaskContentIsShownAsTextAndRunsNothing() {
        // given tasks whose content is markup and script
        Http http = servers.start("--processing-delay-ms", "0");
        List<String> hostile = List.of("<img src=x onerror=\"window.__pwned='img'\">",
                "</script><script>window.__pwned='script'</script>",
                "javascript:window.__pwned='link'",
                "<a href=\"javascript:window.__pwned='a'\" id=\"planted\">click me</a>");
        List<String> ids = hostile.stream().map(http::create).toList();

        // when the dashboard lists them and shows each one's details
        browser.get(http.base() + "/?refresh=0");
        for (int i = 0; i < ids.size(); i++) {
            By row = By.cssSelector("#tasks tbody tr[data-task-id='" + ids.get(i) + "']");
            wait.until(ExpectedConditions.elementToBeClickable(row)).click();
            wait.until(ExpectedConditions.textToBe(By.id("detail-content"), hostile.get(i)));
            wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "COMPLETED"));
            assertThat(browser.findElement(By.id("detail-result")).getText()).contains(hostile.get(i));
        }

        // then every one is text: no element was made from it, and no script of it ran
        assertThat(browser.findElements(By.cssSelector("#tasks img, #detail img, #planted"))).isEmpty();
        assertThat(((JavascriptExecutor) browser).executeScript("return typeof window.__pwned")).isEqualTo("undefined");
    }

    @Test
    void aPageOfAnotherSiteCannotCreateOrCancelTasksThroughTheBrowser() throws Exception {
        // given a server without keys (on loopback, as by default) with a task waiting, and a page of another site
        Http http = servers.start("--processing-delay-ms", "60000", "--concurrency", "1");
        http.create("running");
        String victim = http.create("victim");
        String page = "<!doctype html><title>loading</title><script>"
                + "const v = " + Http.quote(http.base()) + ";"
                + "Promise.allSettled(["
                + "fetch(v + '/api/v1/tasks', {method: 'POST', mode: 'no-cors', body: '{\"content\": \"forged\"}'}),"
                + "fetch(v + '/api/v1/tasks/" + victim + "/cancel', {method: 'POST', mode: 'no-cors'}),"
                + "fetch(v + '/api/v1/queue/emergency-stop', {method: 'POST', mode: 'no-cors'})"
                + "]).then(() => { document.title = 'sent'; });</script>";
        com.sun.net.httpserver.HttpServer evil = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        evil.createContext("/", exchange -> {
            byte[] body = page.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        evil.start();
        try {
            // when a visitor opens it (localhost: another site than 127.0.0.1)
            browser.get("http://localhost:" + evil.getAddress().getPort() + "/");
            wait.until(ExpectedConditions.titleIs("sent"));
        } finally {
            evil.stop(0);
        }

        // then nothing was created, cancelled or stopped
        List<String> contents = new java.util.ArrayList<>();
        http.get("/api/v1/tasks").json().forEach(task -> contents.add(task.get("content").asText()));
        assertThat(contents).containsExactlyInAnyOrder("running", "victim");
        assertThat(http.task(victim).get("status").asText()).isEqualTo("PENDING");
        assertThat(http.get("/api/v1/queue/status").json().get("paused").asBoolean()).isFalse();
    }

    private List<String> shownLogs() {
        return browser.findElements(By.cssSelector("#detail-logs li")).stream().map(WebElement::getText).toList();
    }

    private static List<String> logsOf(Http http, String id) {
        List<String> logs = new java.util.ArrayList<>();
        http.task(id).get("logs").forEach(line -> logs.add(line.asText()));
        return logs;
    }


    @Test
    void aQueuePausedFromTheDashboardHoldsItsNewTasksUntilResumed() throws Exception {
        // given the dashboard, following the live events only
        Http http = servers.start("--processing-delay-ms", "200");
        browser.get(http.base() + "/?refresh=0");
        wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));
        By defaultRow = By.cssSelector("#queues tbody tr[data-queue='default']");
        wait.until(ExpectedConditions.presenceOfElementLocated(defaultRow));

        // when the default queue is paused from its row, and a task submitted through the form
        browser.findElement(By.cssSelector("#queues tr[data-queue='default'] button[data-action='pause']")).click();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-queue='default'] .state .badge"),
                "paused"));
        browser.findElement(By.id("content")).sendKeys("held by the pause");
        browser.findElement(By.id("submit")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("form-message"), "data-state", "ok"));
        String held = browser.findElement(By.id("form-message")).getText().replace("Created", "").strip();

        // then it waits: the queue row counts it pending, and the server has not started it
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-queue='default'] td.pending"), "1"));
        assertThat(http.task(held).get("status").asText()).isEqualTo("PENDING");
        assertThat(http.get("/api/v1/queues/default").json().get("paused").asBoolean()).isTrue();

        // when the queue is resumed, the task runs to the end, seen live in its detail
        wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#queues tr[data-queue='default'] button[data-action='resume']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), held));
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "COMPLETED"));
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#queues tr[data-queue='default'] .state .badge"),
                "running"));
        assertThat(http.task(held).get("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void submitsFollowsCancelsAndPagesWithoutReload() throws Exception {
        // given a server with more tasks than a page holds, and one that waits far in the future
        Http http = servers.start("--processing-delay-ms", "1500");
        for (int i = 0; i < 55; i++) {
            http.create("seed " + i);
        }
        String waiting = http.post("/api/v1/tasks", "{\"content\": \"waits\", \"run_at\": \"2999-01-01T00:00:00Z\"}")
                .json().get("task_id").asText();

        // without the dashboard's safety-net re-reads, only the live events can update the page
        browser.get(http.base() + "/?refresh=0");
        ((JavascriptExecutor) browser).executeScript("window.sameDocument = true;");
        wait.until(ExpectedConditions.attributeToBe(By.id("connection"), "data-state", "live"));

        // when a task is submitted through the form
        browser.findElement(By.id("content")).sendKeys("from the browser");
        browser.findElement(By.id("priority")).sendKeys("7");
        browser.findElement(By.id("submit")).click();

        // then it is shown, and its detail follows it to COMPLETED with its logs and result
        wait.until(ExpectedConditions.attributeToBe(By.id("form-message"), "data-state", "ok"));
        String created = browser.findElement(By.id("form-message")).getText().replace("Created", "").strip();
        assertThat(http.task(created).get("content").asText()).isEqualTo("from the browser");
        assertThat(http.task(created).get("priority").asInt()).isEqualTo(7);
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), created));
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "COMPLETED"));
        wait.until(ExpectedConditions.textToBe(By.id("detail-result"), "Processed: from the browser"));
        assertThat(shownLogs()).anyMatch(line -> line.startsWith("Processing started: "))
                .anyMatch(line -> line.startsWith("Processing completed: "))
                .isEqualTo(logsOf(http, created));

        // when the waiting task is found through the status filter and cancelled
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("PENDING");
        By row = By.cssSelector("#tasks tbody tr[data-task-id='" + waiting + "']");
        wait.until(ExpectedConditions.elementToBeClickable(row)).click();
        wait.until(ExpectedConditions.textToBe(By.id("detail-id"), waiting));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("cancel"))).click();

        // then the detail, the counts and the store all say CANCELLED
        wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "CANCELLED"));
        wait.until(ExpectedConditions.textToBe(By.id("count-CANCELLED"), "1"));
        assertThat(http.task(waiting).get("status").asText()).isEqualTo("CANCELLED");
        wait.until(browser -> shownLogs().equals(logsOf(http, waiting)));
        assertThat(shownLogs()).last().asString().startsWith("Cancelled: ");

        // and the table pages through every task on the server, 50 a page
        new Select(browser.findElement(By.id("status-filter"))).selectByValue("");
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#tasks tbody tr"), 50));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("next-page"))).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("page-info"), "2"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#tasks tbody tr"), 7));
        assertThat(browser.findElement(By.id("next-page")).isEnabled()).isFalse();
        wait.until(ExpectedConditions.textToBe(By.id("count-COMPLETED"), "56"));

        assertThat(((JavascriptExecutor) browser).executeScript("return window.sameDocument === true;"))
                .as("the page was never reloaded").isEqualTo(true);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path saved = Path.of("target", "dashboard.png");
        Files.createDirectories(saved.getParent());
        Files.copy(shot.toPath(), saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(saved)).isGreaterThan(10_000);
    }
}
