//! The GraphQL enums: mirrors of the model's vocabularies, with descriptions.

use async_graphql::Enum;

/// The five kinds of entity.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::EntityKind")]
pub enum EntityKind {
    /// A UN entity, one of its units, a company, a university, a city...
    Organisation,
    /// A person named in the sources.
    Person,
    /// An initiative, thematic group, working group, secretariat or study group.
    Group,
    /// A publication, framework, guide, policy, plan or report.
    Deliverable,
    /// A meeting or one of its parts.
    Event,
}

/// Which way a relation is followed from the entity asked about.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::Direction")]
pub enum Direction {
    /// The relations the entity is `from`.
    Out,
    /// The relations the entity is `to`.
    In,
    /// Both.
    Both,
}

/// The closed vocabulary of relation types. Direction is always from -> to as listed here.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::RelationType")]
pub enum RelationType {
    /// Person -> Organisation; `role` is the job title ("Director", "Counsellor").
    AffiliatedWith,
    /// Person or Organisation -> Group or Organisation; `role` is "Chair", "Vice-Chair", "Leader", "Co-leader", "Director"...
    Leads,
    /// Person or Organisation -> Group; `role` e.g. "Secretariat".
    MemberOf,
    /// Group -> Group, Organisation -> Organisation, Event -> Event: the child is part of the parent.
    PartOf,
    /// Organisation -> Group: coordinates it.
    Coordinates,
    /// Organisation -> Group: supports it.
    Supports,
    /// Group -> Deliverable.
    Produced,
    /// Organisation -> Deliverable.
    Developed,
    /// Person -> Deliverable.
    Authored,
    /// Deliverable -> any entity it presents as a case study or subject.
    Features,
    /// Person -> Group, Deliverable or Event; `role` says what was presented.
    Presented,
    /// Person -> Event.
    Moderated,
    /// Person -> Event.
    SpokeAt,
}

/// What sort of organisation an organisation is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::OrganisationCategory")]
pub enum OrganisationCategory {
    /// A UN agency, programme, fund, commission or other UN entity.
    UnEntity,
    /// A bureau, division, academy or other unit inside an organisation.
    Unit,
    /// A company.
    Company,
    /// A university.
    University,
    /// A foundation.
    Foundation,
    /// A city.
    City,
    /// A ministry, regulator or other public body.
    GovernmentBody,
    /// Anything else, or not stated by the sources.
    Other,
}

/// What sort of group a group is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::GroupKind")]
pub enum GroupKind {
    /// An initiative, such as U4SSC itself.
    Initiative,
    /// A thematic group of an initiative.
    ThematicGroup,
    /// A working group of a thematic group.
    WorkingGroup,
    /// A secretariat.
    Secretariat,
    /// A study group (e.g. of ITU-T).
    StudyGroup,
}

/// Where a group stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::GroupStatus")]
pub enum GroupStatus {
    /// Working.
    Active,
    /// Its work is finished.
    Concluded,
    /// Announced or started at the time of the source.
    New,
}

/// What sort of deliverable a deliverable is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::DeliverableKind")]
pub enum DeliverableKind {
    /// A publication.
    Publication,
    /// A framework.
    Framework,
    /// A guide.
    Guide,
    /// A (model) policy.
    Policy,
    /// A plan, such as a work plan.
    Plan,
    /// A report.
    Report,
    /// A case study or collection of case studies.
    CaseStudy,
    /// A standard, such as a set of KPIs.
    Standard,
}

/// Where a deliverable stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::DeliverableStatus")]
pub enum DeliverableStatus {
    /// Published or launched.
    Published,
    /// Being developed.
    InDevelopment,
    /// Announced, not yet started.
    Planned,
    /// Approved (e.g. a work plan).
    Approved,
}

/// What sort of event an event is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::EventKind")]
pub enum EventKind {
    /// A whole meeting.
    Meeting,
    /// A part of a meeting: opening, session, closing.
    Session,
}

/// How to order a list of entities.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityOrderField {
    /// By id (the default).
    Id,
    /// By name (case and accents folded, then as written), then id.
    Name,
    /// By the number of relations touching the entity, then name, then id.
    RelationCount,
}

/// Ascending or descending.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}
