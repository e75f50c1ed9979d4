package io.cairn.cdk;

import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * The alarms of docs/operations.md on Cairn's EMF metrics ({@link AlarmMetrics}), sent to one SNS topic
 * (mailed when {@code alarm_email} is set).
 */
final class Alarms extends Construct {
    final Topic topic;

    Alarms(Construct scope, String id, StackSettings settings) {
        super(scope, id);
        topic = Topic.Builder.create(this, "Topic").displayName("Cairn alarms").build();
        if (settings.alarmEmail() != null) topic.addSubscription(new EmailSubscription(settings.alarmEmail()));

        alarm("ApplierLag", "Records of cairn.tenant-log not yet applied stayed above 10,000 for 5 minutes",
                metric(AlarmMetrics.APPLIER_LAG, "Maximum", Map.of()), 10_000, 5);
        MathExpression errors = MathExpression.Builder.create()
                .expression("100 * (e500 + e503) / MAX([total, 1])")
                .usingMetrics(Map.of("e500", metric(AlarmMetrics.REQUESTS, "Sum", Map.of("status", "500")),
                        "e503", metric(AlarmMetrics.REQUESTS, "Sum", Map.of("status", "503")),
                        "total", metric(AlarmMetrics.REQUESTS, "Sum", Map.of())))
                .label("5xx share of requests (%)").period(Duration.minutes(1)).build();
        alarm("WriteErrors", "More than 1% of answers were 500 or 503 for 5 minutes", errors, 1, 5);
        alarm("WriteLatency", "Write p99 above 1 s for 5 minutes", metric(AlarmMetrics.WRITE_LATENCY_P99, "Maximum", Map.of()), 1_000, 5);
        alarm("ThawLatency", "Thaw p99 above 3 s for 5 minutes", metric(AlarmMetrics.THAW_LATENCY_P99, "Maximum", Map.of()), 3_000, 5);
        alarm("MachineFailures", "The applier met machine failures (I/O, a full volume, locks) for 5 minutes",
                metric(AlarmMetrics.APPLIER_FAILURES, "Sum", Map.of("kind", "machine")), 0, 5);
        alarm("Quarantined", "A record was set aside after failing 3 times (docs/operations.md)",
                metric(AlarmMetrics.QUARANTINED, "Sum", Map.of()), 0, 1);
    }

    private void alarm(String id, String description, IMetric metric, double threshold, int minutes) {
        Alarm a = Alarm.Builder.create(this, id).alarmDescription(description).metric(metric)
                .threshold(threshold).evaluationPeriods(minutes).datapointsToAlarm(minutes)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING).build();
        a.addAlarmAction(new SnsAction(topic));
    }

    private static Metric metric(String name, String statistic, Map<String, String> dimensions) {
        return Metric.Builder.create().namespace(AlarmMetrics.NAMESPACE).metricName(name).statistic(statistic)
                .dimensionsMap(dimensions).period(Duration.minutes(1)).build();
    }
}
