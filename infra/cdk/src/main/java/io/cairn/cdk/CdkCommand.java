package io.cairn.cdk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;

/**
 * {@code ./cairn cdk synth [--out DIR] [-c key=value ...]}: synthesizes the CDK app (no AWS call, no
 * deployment) and writes its CloudFormation templates to DIR (default {@code infra/cdk/cdk.out} of the checkout); deploy
 * them with {@code npx cdk deploy --app DIR} or CloudFormation. Keys: {@link StackSettings#KEYS}, plus
 * {@code region} and {@code account} (default: unresolved, an environment-agnostic template).
 */
public final class CdkCommand {
    private CdkCommand() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("synth")) {
            System.err.println("usage: cairn cdk synth [--out DIR] [-c key=value ...]\n  keys: " + StackSettings.KEYS + ", region, account");
            System.exit(args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2);
        }
        Path out = Path.of(System.getProperty("cairn.cdk.defaultOut", "cdk.out"));
        Map<String, String> context = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--out") && i + 1 < args.length) {
                out = Path.of(args[++i]);
            } else if ((a.equals("-c") || a.equals("--context")) && i + 1 < args.length && args[i + 1].contains("=")) {
                String kv = args[++i];
                context.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            } else {
                System.err.println("cairn cdk: unknown argument '" + a + "'");
                System.exit(2);
            }
        }
        long start = System.nanoTime();
        try {
            CloudAssembly assembly = synth(out, context);
            for (var stack : assembly.getStacks()) {
                System.out.println("cairn cdk: " + out.resolve(stack.getTemplateFile()));
            }
            System.out.printf("cairn cdk: synthesized in %.1f s%n", (System.nanoTime() - start) / 1e9);
        } catch (IllegalArgumentException e) {
            System.err.println("cairn cdk: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0); // the jsii runtime keeps a node process and threads alive
    }

    /** The stacks for these settings, written to {@code out}: the primary and, with {@code standby_region}, the standby. */
    public static CloudAssembly synth(Path out, Map<String, String> context) throws java.io.IOException {
        Map<String, String> settingsContext = new LinkedHashMap<>(context);
        String region = settingsContext.remove("region");
        String account = settingsContext.remove("account");
        StackSettings settings = StackSettings.from(settingsContext);
        Files.createDirectories(out);
        App app = new App(AppProps.builder().outdir(out.toString())
                // CloudFormation's own template checks fail the synth instead of printing warnings.
                .context(Map.of("@aws-cdk/core:validateAgainstDefaultRules", true)).build());
        new CairnStack(app, "Cairn", props(account, region, "Cairn on AWS: MSK, EFS, S3, DynamoDB, ElastiCache, ECS"), settings);
        if (settings.standbyRegion() != null) {
            new CairnStack(app, "CairnStandby", props(account, settings.standbyRegion(),
                    "Cairn's standby region (docs/replicas.md: what it holds and how it is promoted)"), settings, true);
        }
        return app.synth();
    }

    private static StackProps props(String account, String region, String description) {
        StackProps.Builder b = StackProps.builder().description(description);
        if (account != null || region != null) b.env(Environment.builder().account(account).region(region).build());
        return b.build();
    }
}
