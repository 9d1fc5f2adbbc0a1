"""A materialised-path tree, shared by units and issues."""

from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr


class PathTreeModel(models.Model):
    """Keeps `path` ("/3/17/") in step with `parent` so a subtree is one prefix query.

    The path is derived data that every way of saving must keep right, so it is kept in
    save() rather than in a service. Subclasses define `parent`.
    """

    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
            if new_path != old_path:
                manager = type(self)._base_manager
                manager.filter(pk=self.pk).update(path=new_path)
                self.path = new_path
                if old_path:
                    # Moved: rewrite the prefix of every descendant in one statement.
                    manager.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                    )

    def is_descendant_of(self, other) -> bool:
        return bool(other.path) and self.path.startswith(other.path) and self.pk != other.pk

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)
