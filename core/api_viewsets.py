"""The API's viewset shapes (apart from core.api, which DRF's settings load while its views module loads)."""

from rest_framework import mixins, viewsets

from .api import ID_PATTERN


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A list and a detail endpoint whose ids may be any integer (a negative one is a JSON 404)."""

    lookup_value_regex = ID_PATTERN
