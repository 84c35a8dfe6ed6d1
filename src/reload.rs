//! Changing the data without downtime: reload `graph-data/` on SIGHUP or
//! when its files change (`serve --watch`).
//!
//! The new data is loaded and validated in full first; only a valid graph
//! replaces the old snapshot, in one atomic swap (requests in flight finish
//! on the snapshot they started with). An invalid one leaves the old graph
//! served, and every problem is logged and shown at `/health`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use serde::Serialize;

use crate::graph::Graph;
use crate::loader;
use crate::metrics::{ReloadLabels, SharedMetrics};

/// How many problems of a failed reload `/health` lists.
const SHOWN_PROBLEMS: usize = 20;

/// How long the data folder must be quiet before a watched change reloads.
pub const WATCH_DEBOUNCE: Duration = Duration::from_millis(300);

/// One reload attempt, as `/health` shows it (`lastReload`: `at`, `ok`,
/// `problemCount`, `problems`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// When it ended, in seconds since the Unix epoch.
    pub at: u64,
    /// Whether the new data replaced the old.
    pub ok: bool,
    /// How many problems the new data had.
    pub problem_count: usize,
    /// The first problems, as `FILE:LINE: message`.
    pub problems: Vec<String>,
}

/// What `/health` says about the data being served.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ReloadStatus {
    /// 1 for the data loaded at start, +1 for each successful reload.
    pub generation: u64,
    /// When the served data was loaded, in seconds since the Unix epoch.
    pub loaded_at: u64,
    /// The last reload attempt, if any.
    pub last_reload: Option<Attempt>,
}

impl Default for ReloadStatus {
    fn default() -> Self {
        ReloadStatus {
            generation: 1,
            loaded_at: now(),
            last_reload: None,
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reloads one data folder into the snapshot a server reads.
pub struct Reloader {
    dir: PathBuf,
    graph: Arc<ArcSwap<Graph>>,
    status: Arc<ArcSwap<ReloadStatus>>,
    metrics: SharedMetrics,
    /// One reload at a time.
    running: tokio::sync::Mutex<()>,
}

impl Reloader {
    /// A reloader of `dir` into `graph`, reporting into `status` and `metrics`.
    pub fn new(
        dir: PathBuf,
        graph: Arc<ArcSwap<Graph>>,
        status: Arc<ArcSwap<ReloadStatus>>,
        metrics: SharedMetrics,
    ) -> Arc<Reloader> {
        Arc::new(Reloader {
            dir,
            graph,
            status,
            metrics,
            running: tokio::sync::Mutex::new(()),
        })
    }

    /// Loads the folder again; swaps the snapshot if the data is valid.
    /// Returns every problem otherwise (the old snapshot stays).
    pub async fn reload(&self) -> Result<(), Vec<String>> {
        let _one_at_a_time = self.running.lock().await;
        let dir = self.dir.clone();
        let loaded = tokio::task::spawn_blocking(move || loader::load_dir(&dir))
            .await
            .map_err(|err| vec![format!("the reload task failed: {err}")])
            .and_then(|r| r.map_err(|err| err.problems()));
        let previous = self.status.load_full();
        match loaded {
            Ok(graph) => {
                let (entities, relations) = (graph.entities().len(), graph.relations().len());
                self.graph.store(Arc::new(graph));
                self.metrics.graph_size(entities, relations);
                self.count("ok");
                let at = now();
                self.status.store(Arc::new(ReloadStatus {
                    generation: previous.generation + 1,
                    loaded_at: at,
                    last_reload: Some(Attempt {
                        at,
                        ok: true,
                        problem_count: 0,
                        problems: Vec::new(),
                    }),
                }));
                tracing::info!(entities, relations, dir = %self.dir.display(), "reloaded graph-data");
                Ok(())
            }
            Err(problems) => {
                for p in &problems {
                    tracing::error!("{p}");
                }
                tracing::error!(
                    problems = problems.len(),
                    "reload failed: still serving the previous data"
                );
                self.count("failed");
                self.status.store(Arc::new(ReloadStatus {
                    last_reload: Some(Attempt {
                        at: now(),
                        ok: false,
                        problem_count: problems.len(),
                        problems: problems.iter().take(SHOWN_PROBLEMS).cloned().collect(),
                    }),
                    ..(*previous).clone()
                }));
                Err(problems)
            }
        }
    }

    fn count(&self, outcome: &str) {
        self.metrics
            .reloads
            .get_or_create(&ReloadLabels {
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Reloads on every SIGHUP, for as long as the process runs.
    #[cfg(unix)]
    pub fn reload_on_sighup(self: &Arc<Self>) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = signal(SignalKind::hangup())?;
        let this = self.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                tracing::info!("SIGHUP: reloading graph-data");
                let _ = this.reload().await;
            }
        });
        Ok(())
    }

    /// Watches the data folder and reloads once it has been quiet for
    /// [`WATCH_DEBOUNCE`] after a change. Keep the returned watcher alive.
    pub fn watch(self: &Arc<Self>) -> notify::Result<notify::RecommendedWatcher> {
        use notify::{RecursiveMode, Watcher};
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    if !event.kind.is_access() {
                        let _ = tx.send(());
                    }
                }
            })?;
        watcher.watch(&self.dir, RecursiveMode::Recursive)?;
        let this = self.clone();
        tokio::spawn(async move {
            while rx.recv().await.is_some() {
                // Wait for the edits to settle.
                loop {
                    match tokio::time::timeout(WATCH_DEBOUNCE, rx.recv()).await {
                        Ok(Some(())) => continue,
                        Ok(None) => return,
                        Err(_) => break,
                    }
                }
                tracing::info!("graph-data changed: reloading");
                let _ = this.reload().await;
            }
        });
        Ok(watcher)
    }
}
