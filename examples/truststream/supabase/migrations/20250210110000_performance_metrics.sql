-- Performance analytics schema.

create table public.performance_metrics (
  id uuid primary key default gen_random_uuid(),
  metric_name varchar(100) not null,
  metric_value decimal(10, 4) not null,
  metric_unit varchar(20),
  context jsonb default '{}',
  recorded_at timestamp with time zone default now()
);

create materialized view public.performance_summary as
select
  metric_name,
  avg(metric_value) as avg_value,
  percentile_cont(0.95) within group (order by metric_value) as p95_value,
  max(metric_value) as max_value,
  count(*) as sample_count,
  date_trunc('hour', recorded_at) as hour_bucket
from public.performance_metrics
where recorded_at > now() - interval '24 hours'
group by metric_name, date_trunc('hour', recorded_at);

alter table public.performance_metrics enable row level security;

create policy "Anyone can report metrics"
  on public.performance_metrics for insert
  with check (true);
