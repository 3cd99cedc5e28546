//! The call machinery discovery shares: a permit per AWS call (bounded
//! concurrency), paging under that bound, the call counter, and failed calls
//! recorded instead of ending the discovery.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;
use tokio::sync::Semaphore;

/// Counts operations that pass the guard and are sent: once per operation
/// (a page is an operation), not per retry attempt.
#[derive(Debug, Clone, Default)]
pub(super) struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "hoptrace::CallCounter"
    }

    // After the guard (`read_before_serialization`) and before the retry
    // loop: once per operation that is going to be sent.
    fn read_after_serialization(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// One AWS call that failed; discovery goes on without its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallError {
    /// `service:Operation`, e.g. `ec2:DescribeNetworkAcls`.
    pub call: String,
    /// The AWS error code (`AccessDenied`, `UnauthorizedOperation`, ...), or
    /// what failed on this side (`DispatchFailure`, `Timeout`, ...).
    pub code: String,
    pub message: String,
    /// The resource the call was about (an API id, a function ARN, a usage
    /// plan id), for calls made once per resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.call)?;
        if let Some(r) = &self.resource {
            write!(f, " {r}")?;
        }
        write!(f, " {}: {}", self.code, self.message)
    }
}

impl CallError {
    pub(super) fn from_sdk<E>(call: &str, err: &SdkError<E, HttpResponse>) -> CallError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let kind = match err {
            SdkError::ConstructionFailure(_) => "ConstructionFailure",
            SdkError::TimeoutError(_) => "Timeout",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            _ => "ServiceError",
        };
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = match (err.code(), status) {
            (Some(c), _) => c.to_string(),
            (None, Some(st)) => format!("HTTP {st}"),
            (None, None) => kind.to_string(),
        };
        let message = match err.message() {
            Some(m) => m.to_string(),
            None => causes(err),
        };
        CallError {
            call: call.to_string(),
            code,
            message: one_line(&message),
            resource: None,
        }
    }
}

/// An error and its sources, each said once, without debug dumps:
/// `dispatch failure: io error: ... Connection refused`.
pub(crate) fn causes(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What every read shares: the permits, the failed calls and the longest
/// chain of dependent calls made so far.
///
/// A handle also carries the round its calls belong to: 1 for calls that
/// depend on nothing, and [`Calls::then`] for calls that need the answer of
/// a call made through this handle. Every page of one list is in one round.
#[derive(Clone)]
pub(super) struct Calls {
    permits: Arc<Semaphore>,
    errors: Arc<Mutex<Vec<CallError>>>,
    round: u32,
    deepest: Arc<AtomicU32>,
    /// Where a progressive discovery reports pages, lists and failures.
    progress: Option<super::progress::Progress>,
    /// Debug builds only: wait this long before each call
    /// (`HOPTRACE_TEST_CALL_DELAY_MS`), so that end-to-end tests can watch
    /// a discovery while it runs.
    delay: Option<std::time::Duration>,
    /// What the calls made through this handle are about (see [`Calls::about`]).
    resource: Option<Arc<str>>,
}

/// The test delay per call, in debug builds.
fn test_delay() -> Option<std::time::Duration> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let ms: u64 = std::env::var("HOPTRACE_TEST_CALL_DELAY_MS")
        .ok()?
        .parse()
        .ok()?;
    Some(std::time::Duration::from_millis(ms))
}

impl Calls {
    pub fn new(concurrency: usize) -> Calls {
        Calls {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            errors: Arc::default(),
            round: 1,
            deepest: Arc::default(),
            progress: None,
            delay: test_delay(),
            resource: None,
        }
    }

    /// The same calls, each about `resource`: a call that fails through this
    /// handle is recorded with it, so that what it leaves unread is known
    /// per resource (one API's authorizers, one function's policy).
    pub fn about(&self, resource: &str) -> Calls {
        Calls {
            resource: Some(Arc::from(resource)),
            ..self.clone()
        }
    }

    /// The same calls, reporting to `progress` as they go.
    pub fn with_progress(self, progress: super::progress::Progress) -> Calls {
        Calls {
            progress: Some(progress),
            ..self
        }
    }

    pub fn progress(&self) -> Option<&super::progress::Progress> {
        self.progress.as_ref()
    }

    /// The same calls, for the round after this handle's: calls that use
    /// what a call made through `self` answered.
    pub fn then(&self) -> Calls {
        Calls {
            round: self.round + 1,
            ..self.clone()
        }
    }

    /// A handle for the round after every call made so far (a barrier).
    pub fn after_all(&self) -> Calls {
        Calls {
            round: self.rounds() + 1,
            ..self.clone()
        }
    }

    /// The longest chain of dependent calls made so far (0 before any call).
    pub fn rounds(&self) -> u32 {
        self.deepest.load(Ordering::Relaxed)
    }

    /// A call of this handle's round is being made.
    async fn made(&self) {
        self.deepest.fetch_max(self.round, Ordering::Relaxed);
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
    }

    /// Forget failed calls that `expected` says were not failures after all
    /// (a 404 for an API that turned out not to exist).
    pub fn forget_errors(&self, expected: impl Fn(&CallError) -> bool) {
        if let Ok(mut errors) = self.errors.lock() {
            errors.retain(|e| !expected(e));
        }
    }

    pub fn errors(&self) -> Vec<CallError> {
        self.errors.lock().map(|e| e.clone()).unwrap_or_default()
    }

    pub fn record(&self, mut e: CallError) {
        if e.resource.is_none() {
            e.resource = self.resource.as_deref().map(str::to_string);
        }
        tracing::warn!(call = %e.call, resource = ?e.resource, code = %e.code, message = %e.message, "aws call failed");
        if let Some(p) = &self.progress {
            p.failed(&e);
        }
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(e);
        }
    }

    /// One call under a permit; a failure is recorded and gives `None`.
    pub async fn one<T, E>(
        &self,
        call: &str,
        fut: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.one_or(call, fut, |_| false).await.and_then(Result::ok)
    }

    /// As [`Calls::one`], but the caller decides about the error first:
    /// `Some(Err(e))` is returned unrecorded when `expected(&e)`.
    pub async fn one_or<T, E>(
        &self,
        call: &str,
        fut: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        expected: impl Fn(&SdkError<E, HttpResponse>) -> bool,
    ) -> Option<Result<T, SdkError<E, HttpResponse>>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let result = {
            let _permit = self.permits.acquire().await.ok()?;
            self.made().await;
            fut.await
        };
        match result {
            Ok(v) => Some(Ok(v)),
            Err(e) if expected(&e) => Some(Err(e)),
            Err(e) => {
                self.record(CallError::from_sdk(call, &e));
                None
            }
        }
    }

    /// Every page of a paginator, each page under its own permit. A failed
    /// page is recorded and gives `None`: a partial list is not returned as
    /// if it were whole.
    pub async fn pages<P, E>(
        &self,
        call: &str,
        mut stream: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
    ) -> Option<Vec<P>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let mut out = Vec::new();
        while let Some(page) = self.page(call, &mut stream).await? {
            out.push(page);
        }
        Some(out)
    }

    /// The next page under a permit: `Some(None)` after the last one (the
    /// list is reported whole), `None` when it failed (recorded).
    async fn page<P, E>(
        &self,
        call: &str,
        stream: &mut PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
    ) -> Option<Option<P>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let next = {
            let _permit = self.permits.acquire().await.ok()?;
            if let Some(p) = &self.progress {
                p.asking(call);
            }
            self.made().await;
            stream.next().await
        };
        match next {
            None => {
                if let Some(p) = &self.progress {
                    p.listed(call);
                }
                Some(None)
            }
            Some(Ok(page)) => Some(Some(page)),
            Some(Err(e)) => {
                self.record(CallError::from_sdk(call, &e));
                None
            }
        }
    }

    /// The items of every page of a paginator, each mapped (`None` drops
    /// one); `None` when a page failed (recorded), as for [`Calls::pages`].
    /// Each page is reported to the progress as it lands.
    pub async fn items<P, E, T, U>(
        &self,
        call: &str,
        stream: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
        items: fn(&P) -> &[T],
        mut map: impl FnMut(&T) -> Option<U>,
    ) -> Option<Vec<U>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        U: Serialize,
    {
        self.mapped(call, stream, |page| {
            items(page).iter().filter_map(&mut map).collect()
        })
        .await
    }

    /// As [`Calls::items`], with each page mapped whole (for items nested
    /// deeper than one list, such as instances in reservations).
    pub async fn mapped<P, E, U>(
        &self,
        call: &str,
        mut stream: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
        mut map: impl FnMut(&P) -> Vec<U>,
    ) -> Option<Vec<U>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        U: Serialize,
    {
        let mut out = Vec::new();
        while let Some(page) = self.page(call, &mut stream).await? {
            let mapped: Vec<U> = map(&page);
            if let Some(p) = &self.progress {
                p.page(call, &mapped);
            }
            out.extend(mapped);
        }
        Some(out)
    }
}

/// Run `futs` concurrently (each AWS call inside still waits for a permit)
/// and return their outputs in order, leaving out a task that panicked: it
/// is recorded as a failed call, so one bug does not end the discovery.
pub(super) async fn all<T, F>(calls: &Calls, futs: Vec<F>) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    each(calls, futs).await.into_iter().flatten().collect()
}

/// As [`all`], one slot per future: `None` where its task panicked.
pub(super) async fn each<T, F>(calls: &Calls, futs: Vec<F>) -> Vec<Option<T>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let n = futs.len();
    for (i, f) in futs.into_iter().enumerate() {
        set.spawn(async move { (i, f.await) });
    }
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some(done) = set.join_next().await {
        match done {
            Ok((i, v)) => out[i] = Some(v),
            Err(e) => calls.record(CallError {
                call: "hoptrace:discover".into(),
                code: "TaskFailed".into(),
                message: e.to_string(),
                resource: None,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Failure =
        SdkError<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError, HttpResponse>;

    async fn call(calls: &Calls) {
        calls.one("test:Call", async { Ok::<u8, Failure>(1) }).await;
    }

    #[tokio::test]
    async fn rounds_are_the_longest_chain_of_dependent_calls_made() {
        let first = Calls::new(2);
        let (second, third) = (first.then(), first.then().then());
        // Handles for later rounds count once a call is made through them.
        assert_eq!(first.rounds(), 0);
        call(&second).await;
        assert_eq!(first.rounds(), 2);
        call(&first).await;
        assert_eq!(first.rounds(), 2);
        call(&third).await;
        assert_eq!(second.rounds(), 3);
        // After everything so far.
        let barrier = first.after_all();
        call(&barrier).await;
        assert_eq!(first.rounds(), 4);
    }

    #[tokio::test]
    async fn forgotten_errors_are_gone() {
        let calls = Calls::new(1);
        for code in ["NotFoundException", "AccessDeniedException"] {
            calls.record(CallError {
                call: "apigateway:GetStages".into(),
                code: code.into(),
                message: String::new(),
                resource: None,
            });
        }
        calls.forget_errors(|e| e.code == "NotFoundException");
        let left: Vec<String> = calls.errors().into_iter().map(|e| e.code).collect();
        assert_eq!(left, vec!["AccessDeniedException"]);
    }
}
