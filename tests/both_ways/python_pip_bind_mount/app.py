"""Sign a value, as a small service would."""

from itsdangerous import URLSafeSerializer

print(URLSafeSerializer("not-a-secret").dumps({"user": 1}))
