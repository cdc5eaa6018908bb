//! The `FL-OAS-*` rules, one per file. Each file's struct doc comment is its
//! catalogue entry; `rules()` is the registry the engine runs.

use super::model::Spec;
use crate::analysis::rule::Rule;

mod ambiguous_paths;
mod api_key_in_query;
mod array_without_items;
mod credential_in_url;
mod deprecated_o_auth_flow;
mod deprecation_without_sunset;
mod duplicate_enum_value;
mod duplicate_operation_id;
mod error_response_without_schema;
mod http_basic_authentication;
mod incomplete_info;
mod inconsistent_error_schema;
mod inconsistent_path_naming;
mod inconsistent_property_naming;
mod mass_assignment_prone_schema;
mod missing_api_versioning;
mod missing_auth_error_responses;
mod missing_concurrency_control;
mod missing_correlation_id;
mod missing_examples;
mod missing_health_endpoint;
mod missing_idempotency_key;
mod missing_not_found_response;
mod missing_operation_id;
mod missing_payload_too_large;
mod missing_rate_limit_headers;
mod missing_rate_limit_response;
mod missing_retry_after;
mod missing_security_schemes;
mod missing_server_error_response;
mod missing_servers;
mod missing_success_response;
mod missing_validation_error_response;
mod non_problem_details_error;
mod numeric_id_in_path;
mod o_auth_flow_without_scopes;
mod open_request_body_schema;
mod path_parameter_mismatch;
mod placeholder_server;
mod plain_http_server;
mod request_body_on_get_or_delete;
mod required_property_undefined;
mod script_in_description;
mod sensitive_field_in_response;
mod sensitive_field_not_write_only;
mod synchronous_long_running_operation;
mod too_little_to_assess;
mod trailing_slash_path;
mod unauthenticated_read_operation;
mod unauthenticated_write_operation;
mod unbounded_array_input;
mod unbounded_batch_endpoint;
mod unbounded_numeric_input;
mod unbounded_page_size;
mod unbounded_string_input;
mod unbounded_upload_size;
mod undeclared_o_auth_scope;
mod undeclared_security_scheme;
mod undocumented_operation;
mod undocumented_parameter;
mod undocumented_timeouts;
mod unpaginated_list_endpoint;
mod unresolved_reference;
mod untagged_operation;
mod unused_component;
mod url_input_without_allow_list;
mod verb_in_path;

/// Every OpenAPI rule, sorted by id.
pub fn rules() -> Vec<Box<dyn Rule<Spec>>> {
    vec![
        Box::new(missing_security_schemes::MissingSecuritySchemes),
        Box::new(unauthenticated_write_operation::UnauthenticatedWriteOperation),
        Box::new(unauthenticated_read_operation::UnauthenticatedReadOperation),
        Box::new(undeclared_security_scheme::UndeclaredSecurityScheme),
        Box::new(undeclared_o_auth_scope::UndeclaredOAuthScope),
        Box::new(plain_http_server::PlainHttpServer),
        Box::new(http_basic_authentication::HttpBasicAuthentication),
        Box::new(api_key_in_query::ApiKeyInQuery),
        Box::new(credential_in_url::CredentialInUrl),
        Box::new(deprecated_o_auth_flow::DeprecatedOAuthFlow),
        Box::new(o_auth_flow_without_scopes::OAuthFlowWithoutScopes),
        Box::new(missing_auth_error_responses::MissingAuthErrorResponses),
        Box::new(sensitive_field_not_write_only::SensitiveFieldNotWriteOnly),
        Box::new(sensitive_field_in_response::SensitiveFieldInResponse),
        Box::new(unbounded_string_input::UnboundedStringInput),
        Box::new(unbounded_array_input::UnboundedArrayInput),
        Box::new(unbounded_numeric_input::UnboundedNumericInput),
        Box::new(open_request_body_schema::OpenRequestBodySchema),
        Box::new(mass_assignment_prone_schema::MassAssignmentProneSchema),
        Box::new(script_in_description::ScriptInDescription),
        Box::new(url_input_without_allow_list::UrlInputWithoutAllowList),
        Box::new(numeric_id_in_path::NumericIdInPath),
        Box::new(unpaginated_list_endpoint::UnpaginatedListEndpoint),
        Box::new(unbounded_page_size::UnboundedPageSize),
        Box::new(missing_rate_limit_response::MissingRateLimitResponse),
        Box::new(missing_rate_limit_headers::MissingRateLimitHeaders),
        Box::new(missing_retry_after::MissingRetryAfter),
        Box::new(missing_idempotency_key::MissingIdempotencyKey),
        Box::new(missing_server_error_response::MissingServerErrorResponse),
        Box::new(inconsistent_error_schema::InconsistentErrorSchema),
        Box::new(non_problem_details_error::NonProblemDetailsError),
        Box::new(missing_health_endpoint::MissingHealthEndpoint),
        Box::new(synchronous_long_running_operation::SynchronousLongRunningOperation),
        Box::new(deprecation_without_sunset::DeprecationWithoutSunset),
        Box::new(undocumented_timeouts::UndocumentedTimeouts),
        Box::new(unbounded_upload_size::UnboundedUploadSize),
        Box::new(missing_success_response::MissingSuccessResponse),
        Box::new(missing_validation_error_response::MissingValidationErrorResponse),
        Box::new(error_response_without_schema::ErrorResponseWithoutSchema),
        Box::new(missing_not_found_response::MissingNotFoundResponse),
        Box::new(missing_concurrency_control::MissingConcurrencyControl),
        Box::new(missing_correlation_id::MissingCorrelationId),
        Box::new(unbounded_batch_endpoint::UnboundedBatchEndpoint),
        Box::new(request_body_on_get_or_delete::RequestBodyOnGetOrDelete),
        Box::new(missing_api_versioning::MissingApiVersioning),
        Box::new(missing_operation_id::MissingOperationId),
        Box::new(duplicate_operation_id::DuplicateOperationId),
        Box::new(undocumented_operation::UndocumentedOperation),
        Box::new(undocumented_parameter::UndocumentedParameter),
        Box::new(missing_examples::MissingExamples),
        Box::new(unused_component::UnusedComponent),
        Box::new(inconsistent_path_naming::InconsistentPathNaming),
        Box::new(inconsistent_property_naming::InconsistentPropertyNaming),
        Box::new(unresolved_reference::UnresolvedReference),
        Box::new(ambiguous_paths::AmbiguousPaths),
        Box::new(path_parameter_mismatch::PathParameterMismatch),
        Box::new(incomplete_info::IncompleteInfo),
        Box::new(missing_servers::MissingServers),
        Box::new(placeholder_server::PlaceholderServer),
        Box::new(untagged_operation::UntaggedOperation),
        Box::new(verb_in_path::VerbInPath),
        Box::new(trailing_slash_path::TrailingSlashPath),
        Box::new(required_property_undefined::RequiredPropertyUndefined),
        Box::new(array_without_items::ArrayWithoutItems),
        Box::new(duplicate_enum_value::DuplicateEnumValue),
        Box::new(missing_payload_too_large::MissingPayloadTooLarge),
        Box::new(too_little_to_assess::TooLittleToAssess),
    ]
}
