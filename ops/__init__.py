"""Site operations, on the top floor: ``serve``, ``scheduler``, ``backup``, ``restore``,
``demo``, ``import-statement`` and the maintenance schedule. This app may import every other;
no other app imports it."""
