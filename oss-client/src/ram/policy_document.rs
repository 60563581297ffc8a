//! RAM policy documents: a typed builder that serialises to the exact JSON RAM accepts
//! (`{"Version":"1","Statement":[{"Effect":…,"Action":[…],"Resource":[…]}]}`), a parser that tolerates the
//! forms RAM returns (a single string where a list is allowed, unknown fields), and the least-privilege preset
//! for one OSS bucket.

use crate::Error;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The largest policy document RAM accepts, in characters.
pub const MAX_POLICY_DOCUMENT_CHARS: usize = 6144;

const OPERATION: &str = "PolicyDocument";

/// Allow or Deny. An explicit Deny wins over any Allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Refuses the actions, whatever other statements allow.
    Deny,
}

/// A list of strings that RAM may write as a single string (`"Action": "oss:*"`) or as an array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, a number, a boolean or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<StringList>()? {
                    out.extend(item.0);
                }
                Ok(StringList(out))
            }
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

/// One statement of a policy: an effect, actions, resources and optional conditions.
///
/// ```
/// use oss_client::ram::{Statement, Effect};
/// let s = Statement::allow().action("oss:GetObject").resource("acs:oss:*:*:b/*")
///     .condition("IpAddress", "acs:SourceIp", ["192.0.2.0/24"]);
/// assert_eq!(s.effect, Effect::Allow);
/// assert_eq!(s.action_list(), ["oss:GetObject"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Allow or Deny.
    pub effect: Effect,
    /// The actions (`oss:PutObject`, `oss:Get*`, …).
    pub action: StringList,
    /// The resources (`acs:oss:*:*:bucket/*`, …).
    pub resource: StringList,
    /// Conditions: operator (`IpAddress`, `StringEquals`, …) → key (`acs:SourceIp`, …) → values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, StringList>>,
}

impl Statement {
    /// An empty statement with this effect.
    pub fn new(effect: Effect) -> Self {
        Self { effect, action: StringList::default(), resource: StringList::default(), condition: BTreeMap::new() }
    }

    /// An empty Allow statement.
    pub fn allow() -> Self {
        Self::new(Effect::Allow)
    }

    /// An empty Deny statement.
    pub fn deny() -> Self {
        Self::new(Effect::Deny)
    }

    /// Adds one action.
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action.0.push(action.into());
        self
    }

    /// Adds several actions.
    pub fn actions<I, S>(mut self, actions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.action.0.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds one resource.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource.0.push(resource.into());
        self
    }

    /// Adds several resources.
    pub fn resources<I, S>(mut self, resources: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.resource.0.extend(resources.into_iter().map(Into::into));
        self
    }

    /// Adds a condition `operator: { key: [values] }` (values for the same operator and key accumulate).
    pub fn condition<I, S>(mut self, operator: impl Into<String>, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.condition
            .entry(operator.into())
            .or_default()
            .entry(key.into())
            .or_default()
            .0
            .extend(values.into_iter().map(Into::into));
        self
    }

    /// The actions.
    pub fn action_list(&self) -> &[String] {
        &self.action.0
    }

    /// The resources.
    pub fn resource_list(&self) -> &[String] {
        &self.resource.0
    }

    fn normalized(&self) -> Statement {
        let mut s = self.clone();
        for list in [&mut s.action.0, &mut s.resource.0] {
            list.sort();
            list.dedup();
        }
        for keys in s.condition.values_mut() {
            for values in keys.values_mut() {
                values.0.sort();
                values.0.dedup();
            }
        }
        s
    }
}

/// A RAM policy document.
///
/// ```
/// use oss_client::ram::{PolicyDocument, Statement};
/// let doc = PolicyDocument::new().statement(
///     Statement::allow().actions(["oss:GetObject", "oss:PutObject"]).resource("acs:oss:*:*:lobechat-assets/*"),
/// );
/// assert_eq!(
///     doc.to_json().unwrap(),
///     r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:lobechat-assets/*"]}]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// The policy language version, `"1"`.
    pub version: String,
    /// The statements.
    #[serde(default)]
    pub statement: Vec<Statement>,
}

impl Default for PolicyDocument {
    fn default() -> Self {
        Self::new()
    }
}

impl PolicyDocument {
    /// An empty document with `Version` `"1"`.
    pub fn new() -> Self {
        Self { version: "1".to_string(), statement: Vec::new() }
    }

    /// Adds a statement.
    pub fn statement(mut self, statement: Statement) -> Self {
        self.statement.push(statement);
        self
    }

    /// The least-privilege preset "objects of one bucket": object read, write, delete, ACL and multipart
    /// clean-up on `acs:oss:*:*:BUCKET/*`, and listing and bucket info on `acs:oss:*:*:BUCKET`. The bucket name
    /// is checked (3–63 characters, lower-case letters, digits and `-`, starting and ending with a letter or
    /// digit).
    ///
    /// ```
    /// use oss_client::ram::PolicyDocument;
    /// let doc = PolicyDocument::oss_bucket_objects("lobechat-assets").unwrap();
    /// assert!(doc.to_json().unwrap().contains(r#""Resource":["acs:oss:*:*:lobechat-assets/*"]"#));
    /// assert!(PolicyDocument::oss_bucket_objects("Bad_Bucket").is_err());
    /// ```
    pub fn oss_bucket_objects(bucket: &str) -> Result<Self, Error> {
        validate_bucket_name(bucket)?;
        Ok(Self::new()
            .statement(
                Statement::allow()
                    .actions([
                        "oss:PutObject",
                        "oss:GetObject",
                        "oss:DeleteObject",
                        "oss:PutObjectAcl",
                        "oss:GetObjectAcl",
                        "oss:AbortMultipartUpload",
                        "oss:ListParts",
                    ])
                    .resource(format!("acs:oss:*:*:{bucket}/*")),
            )
            .statement(
                Statement::allow()
                    .actions(["oss:ListObjects", "oss:GetBucketInfo", "oss:GetBucketAcl"])
                    .resource(format!("acs:oss:*:*:{bucket}")),
            ))
    }

    /// The least-privilege preset for a **private** bucket that is read through presigned GETs: object read,
    /// write, delete (which also covers DeleteMultipleObjects) and multipart clean-up on `acs:oss:*:*:BUCKET/*`,
    /// listing and bucket info on `acs:oss:*:*:BUCKET` — and **no object-ACL action**, so the key cannot make an
    /// object public. (A client such as LobeHub with `S3_SET_ACL=0` never sends an ACL: LH
    /// `src/server/modules/S3/index.ts` @ `681e4ef2ddb3073355ddba2e6c23368319479492`.) The bucket name is checked.
    ///
    /// ```
    /// use oss_client::ram::PolicyDocument;
    /// let json = PolicyDocument::oss_bucket_objects_private("lobechat-assets").unwrap().to_json().unwrap();
    /// assert!(json.contains("oss:PutObject") && !json.contains("Acl"));
    /// ```
    pub fn oss_bucket_objects_private(bucket: &str) -> Result<Self, Error> {
        validate_bucket_name(bucket)?;
        Ok(Self::new()
            .statement(
                Statement::allow()
                    .actions([
                        "oss:PutObject",
                        "oss:GetObject",
                        "oss:DeleteObject",
                        "oss:AbortMultipartUpload",
                        "oss:ListParts",
                    ])
                    .resource(format!("acs:oss:*:*:{bucket}/*")),
            )
            .statement(
                Statement::allow()
                    .actions(["oss:ListObjects", "oss:GetBucketInfo"])
                    .resource(format!("acs:oss:*:*:{bucket}")),
            ))
    }

    /// Checks the document (a `Version`, at least one statement, each with an action and a resource) and
    /// serialises it to the compact JSON RAM accepts; refuses a document over 6144 characters.
    pub fn to_json(&self) -> Result<String, Error> {
        if self.version.is_empty() {
            return Err(Error::invalid_input(OPERATION, "the Version must not be empty (use \"1\")"));
        }
        if self.statement.is_empty() {
            return Err(Error::invalid_input(OPERATION, "a policy document needs at least one statement"));
        }
        for (i, s) in self.statement.iter().enumerate() {
            if s.action.0.is_empty() || s.action.0.iter().any(String::is_empty) {
                return Err(Error::invalid_input(OPERATION, format!("statement {i} has no action (or an empty one)")));
            }
            if s.resource.0.is_empty() || s.resource.0.iter().any(String::is_empty) {
                return Err(Error::invalid_input(
                    OPERATION,
                    format!("statement {i} has no resource (or an empty one)"),
                ));
            }
        }
        let json = serde_json::to_string(self)
            .map_err(|e| Error::invalid_input(OPERATION, format!("cannot serialise the policy document: {e}")))?;
        let chars = json.chars().count();
        if chars > MAX_POLICY_DOCUMENT_CHARS {
            return Err(Error::invalid_input(
                OPERATION,
                format!("the policy document is {chars} characters; RAM accepts at most {MAX_POLICY_DOCUMENT_CHARS}"),
            ));
        }
        Ok(json)
    }

    /// Parses a document as RAM returns it (from GetPolicy or ListPolicyVersions). A single string where a list
    /// is allowed is accepted; unknown fields are ignored.
    ///
    /// ```
    /// use oss_client::ram::PolicyDocument;
    /// let doc = PolicyDocument::from_json(r#"{"Version":"1","Statement":[{"Action":"oss:*","Resource":"*","Effect":"Allow"}]}"#).unwrap();
    /// assert_eq!(doc.statement[0].action_list(), ["oss:*"]);
    /// ```
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::decode(OPERATION, format!("not a RAM policy document: {e}")))
    }

    /// Whether two documents grant the same thing: the same statements, ignoring the order of statements,
    /// actions, resources and condition values, and duplicates.
    ///
    /// ```
    /// use oss_client::ram::{PolicyDocument, Statement};
    /// let a = PolicyDocument::new().statement(Statement::allow().actions(["b", "a"]).resource("r"));
    /// let b = PolicyDocument::new().statement(Statement::allow().actions(["a", "b", "a"]).resource("r"));
    /// assert!(a.is_equivalent(&b));
    /// ```
    pub fn is_equivalent(&self, other: &PolicyDocument) -> bool {
        let norm = |d: &PolicyDocument| {
            let mut statements: Vec<String> =
                d.statement.iter().map(|s| serde_json::to_string(&s.normalized()).unwrap_or_default()).collect();
            statements.sort();
            statements.dedup();
            (d.version.clone(), statements)
        };
        norm(self) == norm(other)
    }
}

/// OSS bucket naming rules, by the crate's one check ([`crate::endpoint::validate_bucket_name`]).
fn validate_bucket_name(bucket: &str) -> Result<(), Error> {
    crate::endpoint::validate_bucket_name(OPERATION, bucket)
}
