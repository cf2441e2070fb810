//! Tracing set-up: human-readable lines by default, JSON lines on request.
//! The sink is a parameter so tests can capture what would be logged.

use crate::config::LogFormat;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Builds the subscriber for `format`, writing to `sink`.
pub fn subscriber<W>(format: &LogFormat, filter: &str, sink: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    // RUST_LOG, when set, wins over the configured filter: handy while debugging.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Human => Box::new(registry.with(tracing_subscriber::fmt::layer().with_writer(sink))),
        LogFormat::Json => {
            Box::new(registry.with(tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(false).with_writer(sink)))
        }
    }
}

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init<W>(format: &LogFormat, filter: &str, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let _ = subscriber(format, filter, sink).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    #[test]
    fn json_format_writes_one_json_object_per_event() {
        let sink = Captured::default();
        let subscriber = subscriber(&LogFormat::Json, "info", sink.clone());
        tracing::subscriber::with_default(subscriber, || tracing::info!(tenant = "acme", "matrix rendered"));
        let text = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf-8");
        let event: serde_json::Value = serde_json::from_str(text.trim()).expect("a JSON line");
        assert_eq!(event["message"], "matrix rendered");
        assert_eq!(event["tenant"], "acme");
        assert_eq!(event["level"], "INFO");
    }

    #[test]
    fn the_filter_drops_events_below_its_level() {
        let sink = Captured::default();
        let subscriber = subscriber(&LogFormat::Human, "warn", sink.clone());
        tracing::subscriber::with_default(subscriber, || tracing::info!("too chatty"));
        assert!(sink.0.lock().expect("lock").is_empty());
    }
}
