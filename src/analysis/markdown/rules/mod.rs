//! The `FL-DOC` rules over a Markdown design document, one per file.

mod empty_section;
mod no_alternatives_considered;
mod no_capacity_estimate;
mod no_data_retention_policy;
mod no_decision_record;
mod no_deployment_section;
mod no_document_owner;
mod no_failure_modes_section;
mod no_monitoring_section;
mod no_rollback_plan;
mod no_runbook;
mod no_scaling_section;
mod no_security_section;
mod no_slo_defined;
mod open_question_unresolved;
mod too_little_to_assess;
pub(crate) mod topic;
mod unchecked_checklist_item;
mod unresolved_todo_marker;

use super::MdDoc;
use crate::analysis::rule::Rule;
use topic::Family;

/// Every rule of the family, sorted by id.
pub fn rules() -> Vec<Box<dyn Rule<MdDoc>>> {
    vec![
        Box::new(no_security_section::NoSecuritySection),
        Box::new(no_scaling_section::NoScalingSection),
        Box::new(no_deployment_section::NoDeploymentSection),
        Box::new(no_monitoring_section::NoMonitoringSection),
        Box::new(no_rollback_plan::NoRollbackPlan),
        Box::new(no_slo_defined::NoSloDefined),
        Box::new(no_data_retention_policy::NoDataRetentionPolicy),
        Box::new(no_capacity_estimate::NoCapacityEstimate),
        Box::new(no_runbook::NoRunbook),
        Box::new(no_failure_modes_section::NoFailureModesSection),
        Box::new(unresolved_todo_marker::UnresolvedTodoMarker(Family::Design)),
        Box::new(open_question_unresolved::OpenQuestionUnresolved(
            Family::Design,
        )),
        Box::new(no_document_owner::NoDocumentOwner),
        Box::new(no_decision_record::NoDecisionRecord),
        Box::new(no_alternatives_considered::NoAlternativesConsidered),
        Box::new(empty_section::EmptySection(Family::Design)),
        Box::new(unchecked_checklist_item::UncheckedChecklistItem(
            Family::Design,
        )),
        Box::new(too_little_to_assess::TooLittleToAssess),
    ]
}

/// The hygiene subset that also runs on architecture documents (see the
/// module doc of `markdown`): markers, open questions, empty sections and
/// unchecked checklists.
///
/// They run as [`Family::Architecture`]: the document's substance is its
/// model, so a clean result counts even with few headings. When that model
/// is too thin to assess (`assessable` false, see FL-ARC-023) they run as
/// [`Family::ThinArchitecture`]: what they find still counts, a clean
/// result does not.
pub fn rules_for_architecture(assessable: bool) -> Vec<Box<dyn Rule<MdDoc>>> {
    let family = if assessable {
        Family::Architecture
    } else {
        Family::ThinArchitecture
    };
    vec![
        Box::new(unresolved_todo_marker::UnresolvedTodoMarker(family)),
        Box::new(open_question_unresolved::OpenQuestionUnresolved(family)),
        Box::new(empty_section::EmptySection(family)),
        Box::new(unchecked_checklist_item::UncheckedChecklistItem(family)),
    ]
}
