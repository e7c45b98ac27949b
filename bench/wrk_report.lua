-- wrk reporting hook: one JSON line with what bench/harness.py reads (latencies in microseconds).
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_us": %.1f, "p99_us": %.1f, "mean_us": %.1f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99), latency.mean,
    errors, summary.errors.status))
end
