"""The watch service: change-driven, incremental, time-aware readiness alerts."""
