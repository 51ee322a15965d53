/**
 * `npm start`: the whole system on embedded defaults. For now: the API with its
 * embedded PostgreSQL, demo data and mail written to files.
 */
import '../api/src/server';
