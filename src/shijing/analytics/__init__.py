"""Analytics: repurchase, cohorts, forecasts and measured uplift."""
