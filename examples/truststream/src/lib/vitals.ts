// Core Web Vitals from real users, stored in performance_metrics (see the 20250210 migration)
// and summarised hourly by the performance_summary materialized view.
import { onCLS, onINP, onLCP, onTTFB, type Metric } from 'web-vitals'
import { supabase } from './supabase'

function record(metric: Metric): void {
  void supabase.from('performance_metrics').insert({
    metric_name: metric.name,
    metric_value: metric.value,
    metric_unit: metric.name === 'CLS' ? 'score' : 'ms',
    context: { rating: metric.rating, path: window.location.pathname },
  })
}

export function trackWebVitals(): void {
  onCLS(record)
  onINP(record)
  onLCP(record)
  onTTFB(record)
}
