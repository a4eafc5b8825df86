// A table's caption and header row, shared by the pages' tables.

/** `columns` as header cells; `actions`: a last column for row buttons, named for screen readers only. */
export function TableHead({ caption, columns, actions = false }: { caption: string; columns: string[]; actions?: boolean }) {
  return (
    <>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" key={column}>
              {column}
            </th>
          ))}
          {actions && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
    </>
  );
}
