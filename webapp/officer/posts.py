"""Who holds which post: the one mapping from the measure registry's posts to people.

The registry (config/measures/*.yml) names every measure's owner, manager and Director by post
("Revenues Manager"); input.post_holders says who holds each post for each council. Roles
(roles.owns, manages, directs) follow from the two. The Policy Team edits the mapping one
holder at a time or uploads it as a CSV file (columns post, council, username).
"""

import csv
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from orchestration.lib.names import COUNCIL_NAMES
from webapp.officer import grants
from webapp.officer.models import Measure, PostHolder, Purpose
from webapp.officer.tables import table_exists

CSV_COLUMNS = ("post", "council", "username")
# Spellings of a council accepted in an upload, lower case.
COUNCIL_SPELLINGS = {
    spelling.lower(): code
    for code, name in COUNCIL_NAMES.items()
    for spelling in (code, name, name.split()[0])
}


def council_name(code: str) -> str:
    return COUNCIL_NAMES.get(code, code)


def known_posts() -> list[str]:
    """Every post the registry names: measures' owners, managers and Directors, purposes'
    Directors."""
    posts: set[str] = set()
    if table_exists("marts.dim_measures"):
        for row in Measure.objects.values_list("owner", "manager", "director"):
            posts.update(p for p in row if p)
    if table_exists("marts.dim_purposes"):
        posts.update(p for p in Purpose.objects.values_list("director", flat=True) if p)
    return sorted(posts)


def holders(post: str | None, council_code: str) -> list:
    if not post:
        return []
    return [
        h.user
        for h in PostHolder.objects.filter(post=post, council_code=council_code).select_related(
            "user"
        )
    ]


def posts_of(user) -> set[tuple[str, str]]:
    """(post, council_code) of every post this person holds."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_bdc_posts", None)
    if cached is None:
        cached = set(PostHolder.objects.filter(user=user).values_list("post", "council_code"))
        user._bdc_posts = cached
    return cached


def council_from_text(text: str) -> str | None:
    return COUNCIL_SPELLINGS.get(text.strip().lower())


@dataclass
class Upload:
    rows: list[tuple[str, str, object]]  # post, council_code, user
    errors: list[str]


def read_csv(data: bytes, posts: list[str]) -> Upload:
    """Check every row of an uploaded file; errors name the row (row 1 is the header)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Upload([], ["The file must be a CSV file saved as UTF-8 text."])
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if header[:3] != list(CSV_COLUMNS):
        return Upload(
            [], ["The first row of the file must be the column names: post, council, username."]
        )
    reader.fieldnames = header
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    known = {p.lower(): p for p in posts}
    rows, errors, seen = [], [], set()
    for number, row in enumerate(reader, start=2):
        post_text = (row.get("post") or "").strip()
        council_text = (row.get("council") or "").strip()
        username = (row.get("username") or "").strip()
        if not (post_text or council_text or username):
            continue
        problems = []
        post = known.get(post_text.lower())
        if not post_text:
            problems.append("enter the post")
        elif post is None:
            problems.append(f"“{post_text}” is not a post named in the measure registry")
        council = council_from_text(council_text)
        if council is None:
            problems.append(
                f"“{council_text}” is not a council: enter Bromsgrove District Council or "
                "Redditch Borough Council"
            )
        user = users.get(username)
        if user is None:
            problems.append(
                f"there is no active user called “{username}”"
                if username
                else "enter the person's username"
            )
        if problems:
            errors.append(f"Row {number}: " + "; ".join(problems) + ".")
            continue
        if (post, council, username) in seen:
            errors.append(
                f"Row {number}: {username} is already listed as {post} for "
                f"{council_name(council)} in this file."
            )
            continue
        seen.add((post, council, username))
        rows.append((post, council, user))
    if not rows and not errors:
        errors.append("The file has no rows under its column names.")
    return Upload(rows, errors)


@transaction.atomic
def save_upload(upload: Upload, replace: bool) -> tuple[int, int]:
    """Apply a checked upload: all rows or none. Returns (added, removed)."""
    removed = 0
    if replace:
        wanted = {(post, council, user.pk) for post, council, user in upload.rows}
        for holder in PostHolder.objects.select_related("user"):
            if (holder.post, holder.council_code, holder.user_id) not in wanted:
                holder.delete()
                removed += 1
    added = 0
    for post, council, user in upload.rows:
        _, created = PostHolder.objects.get_or_create(post=post, council_code=council, user=user)
        added += created
    return added, removed


# Holding a post is holding a role: every change is written to audit.role_grants, like the
# Django groups and measure assignments (grants.py), whatever makes it.


def _scope(holder: PostHolder) -> str:
    return f"{holder.post}, {council_name(holder.council_code)}"


def _holder_saved(sender, instance, created, **kwargs):
    if created:
        grants.record("grant", instance.user.get_username(), "post holder", _scope(instance))


def _holder_deleted(sender, instance, **kwargs):
    grants.record("revoke", instance.user.get_username(), "post holder", _scope(instance))


post_save.connect(_holder_saved, sender=PostHolder, dispatch_uid="bdc_post_holder_saved")
post_delete.connect(_holder_deleted, sender=PostHolder, dispatch_uid="bdc_post_holder_deleted")


def display_names(usernames) -> dict[str, str]:
    """Each username's full name (or the username when no name is recorded)."""
    wanted = {u for u in usernames if u}
    found = {u: u for u in wanted}
    for user in get_user_model().objects.filter(username__in=wanted):
        found[user.username] = user.get_full_name() or user.username
    return found
