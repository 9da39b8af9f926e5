"""Sign a value, as a small service would."""

from itsdangerous import URLSafeSerializer  # type: ignore[import-not-found]

print(URLSafeSerializer("not-a-secret").dumps({"user": 1}))
