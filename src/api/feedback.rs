//! `POST /feedback`: a user's verdict on a report, kept as a `feedback`
//! event in the job's log (the seed threw it away).

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::access::Auth;
use super::jobs::parse_id;
use super::models::{FeedbackAccepted, FeedbackRequest};
use super::problem::ApiError;
use super::state::AppState;

pub struct FeedbackApi;

#[derive(ApiResponse)]
enum FeedbackResponse {
    /// Recorded in the job's event log.
    #[oai(status = 202)]
    Accepted(Json<FeedbackAccepted>),
}

#[OpenApi]
impl FeedbackApi {
    /// Record whether a job's report was useful (any job state).
    #[oai(
        path = "/feedback",
        operation_id = "send_feedback",
        method = "post",
        tag = "ApiTags::Jobs"
    )]
    async fn feedback(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        body: Json<FeedbackRequest>,
    ) -> Result<FeedbackResponse, ApiError> {
        let id = parse_id(&body.job_id)?;
        let comment = body.comment.as_deref().unwrap_or_default();
        state.fns.feedback(id, body.is_useful, comment).await?;
        Ok(FeedbackResponse::Accepted(Json(FeedbackAccepted {
            job_id: id.to_string(),
            accepted: true,
        })))
    }
}
