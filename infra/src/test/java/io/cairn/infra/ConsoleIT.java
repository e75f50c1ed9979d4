package io.cairn.infra;

import static io.cairn.infra.TestStack.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console's main flows in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}) against a whole stack: log in (a wrong token first), find a tenant, run a
 * query, read an error, migrations, the charts, log out. Screenshots go to
 * {@code target/console-screenshots/}. Without a browser the class is skipped, and says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CAIRN_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CAIRN_CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir static Path data;
    static SnapshotBucket bucket;
    static TestStack stack;
    static ChromeDriver browser;
    static WebDriverWait wait;
    static String globexKey;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present) {
            System.err.println("ConsoleIT: SKIPPED, no browser: " + CHROMIUM + " and " + CHROMEDRIVER
                    + " are needed (apt-get install chromium chromium-driver; .ci/run installs them)");
        }
        Assumptions.assumeTrue(present, "no chromium/chromedriver: browser tests skipped");
        bucket = SnapshotBucket.start(data.resolve("s3"));
        stack = TestStack.startWithControlPlane(data, spec -> spec.withSnapshots(bucket.options()));
        for (String t : List.of("acme", "initech")) {
            String key = stack.createTenant(t);
            stack.post("/v1/tenants/" + t + "/execute", key, "{\"sql\":\"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)\"}");
        }
        globexKey = stack.createTenant("globex");
        stack.post("/v1/tenants/globex/execute", globexKey, "{\"statements\":["
                + "{\"sql\":\"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)\"},"
                + "{\"sql\":\"INSERT INTO customers (name) VALUES ('Hank'), ('Marge'), ('<b>not bold</b>')\"}]}");
        stack.snapshot("globex");
        assertThat(stack.call("PUT", "/v1/migrations/app/versions/1", ADMIN, "{\"sql\":\"CREATE TABLE IF NOT EXISTS audit (at TEXT)\"}").status())
                .isIn(200, 201);
        assertThat(stack.post("/v1/migrations/app/runs", ADMIN, "{\"target_version\":1,\"tenants\":[\"acme\",\"globex\",\"initech\"]}").status())
                .isIn(200, 201, 202);
        // The fleet list trails the log by the materializer's flush.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> stack.get("/v1/tenants?limit=100", ADMIN).body().path("tenants").size() == 3);

        Files.createDirectories(SHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--user-data-dir=" + data.resolve("chromium-profile"));
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.quit();
        if (stack != null) stack.close();
        if (bucket != null) bucket.close();
    }

    @Test
    @Order(1)
    void theAssetsHoldNoDataAndLoadOnlyThemselves() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/console")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'");
        assertThat(page.body()).contains("/console/console.js").doesNotContain("acme", ADMIN);
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/console/secrets.txt")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"not_found\"");
    }

    @Test
    @Order(2)
    void aWrongTokenIsRefusedWithTheApisReason() throws Exception {
        browser.get(stack.url() + "/console");
        login("not-the-token");
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".error")));
        assertThat(error.getText()).contains("unauthorized").contains("refused this token");
        screenshot("1-login-refused");
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).as("no navigation before logging in").isFalse();
    }

    @Test
    @Order(3)
    void theAdminFindsATenantInTheFleet() throws Exception {
        login(ADMIN);
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".tenant-name"), 3));
        assertThat(texts(".tenant-name")).containsExactlyInAnyOrder("acme", "globex", "initech");
        screenshot("2-fleet");
        WebElement search = browser.findElement(By.id("search"));
        search.sendKeys("glo");
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".tenant-name"), 1));
        assertThat(texts(".tenant-name")).containsExactly("globex");
        // filters go to the API: cold tenants, none here
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-tier"))).selectByValue("cold");
        browser.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("main"), "No tenant matches these filters."));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-tier"))).selectByValue("hot");
        browser.findElement(By.id("apply-filters")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".tenant-name"), 1));
        browser.findElement(By.xpath("//span[@class='tenant-name' and text()='globex']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("tenant-title"), "globex"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("main"), "Restorable from"));
        assertThat(browser.findElement(By.id("main")).getText()).contains("hot", "tenants/globex/snapshots/", "app v1");
    }

    @Test
    @Order(4)
    void aQueryShowsItsRowsAsATableAndAnErrorShowsItsCode() throws Exception {
        WebElement sql = browser.findElement(By.id("sql"));
        sql.clear();
        sql.sendKeys("SELECT id, name FROM customers ORDER BY id");
        browser.findElement(By.id("run-query")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#result-table tbody tr")));
        assertThat(texts("#result-table th")).containsExactly("id", "name");
        assertThat(texts("#result-table tbody td")).containsExactly("1", "Hank", "2", "Marge", "3", "<b>not bold</b>");
        assertThat(browser.findElements(By.cssSelector("#result-table b"))).as("data is text, never markup").isEmpty();
        screenshot("3-query");

        // Integers past 2^53 are shown as stored, not as the nearest double JavaScript holds.
        sql.clear();
        sql.sendKeys("SELECT 9007199254740993, -9223372036854775808, 0.1, 9007199254740992");
        browser.findElement(By.id("run-query")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-table"), "9007199254740993"));
        assertThat(texts("#result-table tbody td")).containsExactly("9007199254740993", "-9223372036854775808", "0.1", "9007199254740992");

        sql.clear();
        sql.sendKeys("SELECT * FROM no_such_table");
        browser.findElement(By.id("run-query")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#sql-output .error")));
        String code = stack.post("/v1/tenants/globex/query", globexKey, "{\"sql\":\"SELECT * FROM no_such_table\"}").body().path("error").path("code").asText();
        assertThat(error.getText()).contains(code).contains("(400)").contains("no_such_table");
        screenshot("4-error");

        sql.clear();
        sql.sendKeys("INSERT INTO customers (name) VALUES ('Lisa')");
        browser.findElement(By.id("run-execute")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sql-output"), "1 row(s) changed"));
        assertThat(stack.post("/v1/tenants/globex/query", globexKey, "{\"sql\":\"SELECT count(*) FROM customers\"}").body().path("rows").toString())
                .isEqualTo("[[4]]");
    }

    @Test
    @Order(5)
    void migrationsShowTheirSetsAndRuns() throws Exception {
        browser.findElement(By.id("nav-migrations")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".set-name"), "app"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".migration-set table tbody tr")));
        assertThat(browser.findElement(By.cssSelector(".migration-set")).getText()).contains("latest version 1");
        screenshot("5-migrations");
    }

    @Test
    @Order(6)
    void activityChartsTheLatenciesAndTheLag() throws Exception {
        browser.findElement(By.id("nav-activity")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("chart-write")));
        // Writes and reads while the page samples /metrics, until the write chart has a p50.
        // The charts are drawn afresh every 2 s: an element read between two draws goes stale, and is read again.
        WebDriverWait charts = new WebDriverWait(browser, Duration.ofSeconds(30));
        charts.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        charts.until(d -> {
            try {
                stack.post("/v1/tenants/globex/execute", globexKey, "{\"sql\":\"INSERT INTO customers (name) VALUES ('x')\"}");
                stack.post("/v1/tenants/globex/query", globexKey, "{\"sql\":\"SELECT count(*) FROM customers\"}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            String now = d.findElement(By.cssSelector("#chart-write .now")).getText();
            return now.matches(".*p50 [0-9.]+ ms.*") && d.findElements(By.cssSelector("#chart-write polyline.series")).stream()
                    .anyMatch(p -> p.getAttribute("points").split(" ").length >= 2);
        });
        charts.until(d -> d.findElement(By.cssSelector("#chart-lag .now")).getText().matches("lag [0-9.]+ records"));
        screenshot("6-activity");
    }

    @Test
    @Order(7)
    void thePageBrokeNoRuleOfItsPolicyAndThrewNothing() {
        List<String> problems = browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage())
                .filter(m -> m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("TypeError"))
                .toList();
        assertThat(problems).isEmpty();
    }

    @Test
    @Order(8)
    void loggingOutForgetsTheToken() throws Exception {
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertThat(browser.executeScript("return sessionStorage.length")).isEqualTo(0L);
        browser.navigate().to(stack.url() + "/console#/tenants");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    }

    private static void login(String token) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        input.clear();
        input.sendKeys(token);
        browser.findElement(By.id("login")).click();
    }

    private static List<String> texts(String css) {
        return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    private static void screenshot(String name) throws Exception {
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
